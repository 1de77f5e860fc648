"""Evaluation set for the guideline QA assistant: questions, schema and validation."""
