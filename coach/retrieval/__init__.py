"""Meaning search over the knowledge: the offline MiniLM embedder (`embeddings`, `embedder_model`,
and its Chroma adapter `chroma_embeddings`), chunking at headings (`chunks`), the Chroma index of
value propositions and case notes (`index`) and its recall figures (`evaluation`). Embedded Chroma
by default, a Chroma server with `CHROMA_HOST`.
"""
