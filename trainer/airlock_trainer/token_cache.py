"""Tokenized texts kept on disk, so that a second run on the same data skips tokenizing.

The key is a hash of everything the token ids depend on: the texts themselves (in order), the
tokenizer's files, its class and the tokenizers/transformers versions, and max_length. Labels are
not cached (turning labels into targets is cheap and depends on the task), so a change of task,
label column or label reading can never reuse wrong targets. A file is written under a temporary
name and renamed, so concurrent runs never read half a file; two runs that write the same key
write the same bytes. A file that cannot be read is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile

from .paths import token_cache_dir

log = logging.getLogger("airlock_trainer")

FORMAT = "airlock-tokens-1"
COLUMNS = ("input_ids", "attention_mask", "token_type_ids")
KEEP_FILES = 8  # per dataset folder: one per (tokenizer, max_length, split) a user plausibly switches between
# Files that do not change how text is tokenized: weights are large and hashing them would cost seconds.
_NOT_TOKENIZER = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".onnx", ".ckpt", ".md")


def tokenizer_fingerprint(model_dir: str, tokenizer) -> str:
    """A hash of the tokenizer's files (every small file of the model folder), its class and the library versions."""
    import tokenizers
    import transformers

    digest = hashlib.sha256(f"{FORMAT}|{type(tokenizer).__name__}|{tokenizers.__version__}|"
                            f"{transformers.__version__}".encode())
    for name in sorted(os.listdir(model_dir)):
        path = os.path.join(model_dir, name)
        if os.path.isfile(path) and not name.endswith(_NOT_TOKENIZER):
            digest.update(name.encode() + b"\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


class TokenCache:
    """The cached token ids of one dataset folder, for one tokenizer and max_length."""

    def __init__(self, table_folder: str, tokenizer_key: str, max_length: int):
        self.folder = token_cache_dir(table_folder)
        self.prefix = f"{tokenizer_key}|{max_length}|"
        self.hits = 0  # texts lists read back instead of tokenized

    def key(self, texts: list[str]) -> str:
        """The file name stem for these texts."""
        digest = hashlib.sha256(self.prefix.encode())
        for text in texts:
            encoded = text.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "little") + encoded)  # lengths: no two lists hash alike
        return digest.hexdigest()[:40]

    def _path(self, texts: list[str]) -> str:
        return os.path.join(self.folder, f"{self.key(texts)}.npz")

    def load(self, texts: list[str]) -> dict[str, list] | None:
        """The token columns of these texts, or None when they are not cached (or the file is unreadable)."""
        import numpy as np

        path = self._path(texts)
        if not os.path.isfile(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                offsets = stored["offsets"].tolist()
                if len(offsets) != len(texts) + 1:
                    return None
                columns = {}
                for name in COLUMNS:
                    if name in stored.files:
                        flat = stored[name].tolist()
                        columns[name] = [flat[start:end] for start, end in zip(offsets, offsets[1:])]
        except (OSError, ValueError, KeyError) as error:  # a damaged file: tokenize again and overwrite it
            log.warning("ignoring the unreadable token cache %s: %s", path, error)
            return None
        os.utime(path)  # recently used files are the ones kept
        return columns

    def save(self, texts: list[str], columns: dict[str, list]) -> None:
        """Stores the token columns of these texts; a folder that cannot be written only costs the cache."""
        import numpy as np

        lengths = [len(ids) for ids in columns["input_ids"]]
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        arrays = {"offsets": offsets}
        for name in COLUMNS:
            if name in columns:
                arrays[name] = np.fromiter((value for row in columns[name] for value in row), dtype=np.int64,
                                           count=int(offsets[-1]))
        try:
            os.makedirs(self.folder, exist_ok=True)
            handle, partial = tempfile.mkstemp(prefix=".partial-", suffix=".npz", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    np.savez(stream, **arrays)
                os.replace(partial, self._path(texts))
            except BaseException:
                os.unlink(partial)
                raise
            self._prune()
        except OSError as error:
            log.warning("could not keep the tokenized data in %s: %s", self.folder, error)

    def _prune(self) -> None:
        files = [os.path.join(self.folder, name) for name in os.listdir(self.folder) if name.endswith(".npz")
                 and not name.startswith(".partial-")]
        files.sort(key=lambda path: os.stat(path).st_mtime, reverse=True)
        for path in files[KEEP_FILES:]:
            try:
                os.unlink(path)
            except OSError:
                pass  # another run removed it first
