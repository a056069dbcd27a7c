"""Terraform's built-in functions over payloads (plain data + Unknown/Ref/PartialStr/JsonEncoded).

One module per family, as Terraform's documentation groups them: ``numeric``, ``strings``,
``collection``, ``encoding``, ``filesystem``, ``crypto`` (hash and crypto), ``network`` (IP
network), ``conversion`` (type conversion, ``try``/``can``); the date and time functions are all
known only at apply (``common.known_after_apply``). ``common`` holds what the families share,
``table`` the name -> implementation table and ``call``, the entry point.

The library never imports the evaluator: what a function needs of it (where files are, how to
render a parsed template) comes on the ``CallInfo`` context the evaluator builds.
"""
