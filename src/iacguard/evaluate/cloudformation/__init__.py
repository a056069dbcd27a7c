"""CloudFormation templates -> resource graph: Parameters, Conditions, intrinsics."""
