"""Ingest stage: load corpus documents, split them into chunks and build the index."""
