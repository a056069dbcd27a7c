"""``iacguard lsp``: a language server over stdio (pygls, behind the ``lsp`` extra).

``engine`` runs one check for a document (its module from disk, open buffers from an overlay,
the callers of its module in the workspace) and knows nothing of the protocol; ``convert`` turns
findings, file errors and fixes into protocol objects; ``server`` is the pygls server: document
sync, debouncing, runs off the event loop, publishing, hover and code actions. Nothing on the
``check`` path imports this package.
"""
