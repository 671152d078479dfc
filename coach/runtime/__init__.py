"""Process start-up shared by the CLI and the app (`startup`: offline environment, data folder,
redacting logs) and the offline assets shipped inside packages (`assets`: the model file, the
embedder, the tokenizer and the tiktoken encodings). Nothing is downloaded at run time.
"""
