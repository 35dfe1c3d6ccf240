"""Content-addressed blob storage behind a small interface (put / open / verify / exists).

EV-BLB-1  A blob lives at `<root>/ab/cd/abcd…` (its SHA-256); it is written once, made read-only
          (0400) and never overwritten. The original file name never becomes a path.
EV-BLB-2  `put` hashes and copies in ONE streaming pass with a fixed-size buffer (constant memory):
          it writes to a temporary file inside the blob root, fsyncs it, renames it into place and
          fsyncs the folder. A crash leaves at most an unreferenced temporary file, never a partial blob.
EV-BLB-3  Another backend (an object store with retention locks) only needs the BlobStore protocol.
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import re
import stat
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 4 * 1024 * 1024  # 4 MiB buffers: OpenSSL-speed hashing, flat memory
TMP_PREFIX = ".incoming-"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BlobInfo:
    """What `put` stored: the content's SHA-256, its size, and whether the blob already existed."""

    sha256: str
    size: int
    existed: bool


class BlobStore(Protocol):
    """What the evidence domain needs from a blob backend."""

    def put(self, source: BinaryIO, *, progress: Progress | None = None) -> BlobInfo:
        """Stores the stream's content (one pass) and returns its hash and size."""

    def open(self, sha256: str) -> BinaryIO:
        """Opens the blob for reading; FileNotFoundError when it is missing."""

    def verify(self, sha256: str, *, progress: Progress | None = None) -> str | None:
        """Re-hashes the blob and returns the SHA-256 found, or None when the blob is missing."""

    def exists(self, sha256: str) -> bool:
        """Tells whether a blob with this hash is stored."""


class NotRegularFile(OSError):
    """A path that should be a regular file is a symlink, FIFO, device or folder (never opened for reading)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str | os.PathLike, *, follow_symlinks: bool = False) -> BinaryIO:
    """Opens a regular file for reading without following a final symlink (O_NOFOLLOW) and without blocking on
    a FIFO (O_NONBLOCK); anything but a regular file (fstat) raises NotRegularFile naming what it is."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFile(errno.ELOOP, "is a symbolic link", str(path)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, f"is {_kind(mode)}", str(path))
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def check_sha256(value: str) -> str:
    """Returns `value` if it is a lower-case hex SHA-256, else raises ValueError."""
    if not isinstance(value, str) or not _SHA256.match(value):
        raise ValueError(f"not a SHA-256: {value!r}")
    return value


def hash_stream(stream: BinaryIO, *, progress: Progress | None = None) -> tuple[str, int]:
    """Returns (SHA-256, size) of a stream read to its end with a fixed buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size = 0
    while True:
        n = stream.readinto(buffer)
        if not n:
            break
        digest.update(view[:n])
        size += n
        if progress:
            progress(n)
    return digest.hexdigest(), size


class LocalBlobStore:
    """Blobs as read-only files in a local folder (the store's `evidence/blobs`)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        """Returns where the blob with this hash lives (ab/cd/abcd…)."""
        sha256 = check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return open_regular(self.path_of(sha256))

    def verify(self, sha256: str, *, progress: Progress | None = None) -> str | None:
        try:
            with self.open(sha256) as stream:
                return hash_stream(stream, progress=progress)[0]
        except FileNotFoundError:
            return None

    def check(self, sha256: str, *, progress: Progress | None = None) -> str | None | NotRegularFile:
        """Like verify, but a blob that is not a regular file is returned as its NotRegularFile error."""
        try:
            return self.verify(sha256, progress=progress)
        except NotRegularFile as exc:
            return exc

    def verify_many(self, hashes: Iterable[str], *, progress: Progress | None = None,
                    workers: int | None = None) -> dict[str, str | None | NotRegularFile]:
        """Re-hashes many blobs on a few threads (hashlib releases the GIL); returns hash -> found (see `check`)."""
        hashes = list(dict.fromkeys(hashes))
        workers = workers or min(4, (os.cpu_count() or 1) + 1)
        lock = threading.Lock()

        def _one(sha: str) -> tuple[str, str | None]:
            def _tick(n: int) -> None:
                if progress:
                    with lock:
                        progress(n)
            return sha, self.check(sha, progress=_tick if progress else None)

        if len(hashes) <= 1 or workers <= 1:
            return dict(_one(h) for h in hashes)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return dict(pool.map(_one, hashes))

    def put(self, source: BinaryIO, *, progress: Progress | None = None) -> BlobInfo:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = _make_temp(self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb", buffering=0) as out:
                result = _copy_in_kernel_then_hash(source, out, tmp, progress)
                if result is None:
                    sha256, size = _hash_and_copy(source, out, progress)
                else:
                    sha256, size = result
                os.fsync(out.fileno())
            final = self.path_of(sha256)
            if final.exists():
                tmp.unlink()
                return BlobInfo(sha256=sha256, size=size, existed=True)
            for folder in (final.parent.parent, final.parent):
                folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(tmp, stat.S_IRUSR)
            try:
                os.link(tmp, final)  # fails if another writer got there first: never overwrite
            except FileExistsError:
                tmp.unlink()
                return BlobInfo(sha256=sha256, size=size, existed=True)
            tmp.unlink()
            for folder in (final.parent, final.parent.parent, self.root):  # new names reach the disk
                _fsync_dir(folder)
            return BlobInfo(sha256=sha256, size=size, existed=False)
        except BaseException:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
            raise

    def incomplete(self) -> list[Path]:
        """Returns temporary files left by an interrupted put (never referenced by any evidence)."""
        return sorted(self.root.glob(TMP_PREFIX + "*")) if self.root.is_dir() else []

    def remove_incomplete(self, *, older_than_seconds: float, now: float | None = None) -> int:
        """Deletes the temporary files of interrupted puts untouched for `older_than_seconds`; returns how many.

        A put in progress keeps writing to its file, so a file left alone that long belongs to a
        process that was killed; nothing ever references it.
        """
        import time

        now = time.time() if now is None else now
        removed = 0
        for path in self.incomplete():
            try:
                if now - path.stat().st_mtime >= older_than_seconds:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def _make_temp(root: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(prefix=TMP_PREFIX, dir=root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF, errno.ESPIPE}
KERNEL_CHUNK = 16 * 1024 * 1024


def _copy_in_kernel_then_hash(source: BinaryIO, out, tmp: Path, progress: Progress | None) -> tuple[str, int] | None:
    """Fast path: the kernel copies the source into the temporary file (copy_file_range, no user-space copy)
    while this thread hashes what has just landed in that file. The hash is of the bytes actually stored,
    so even a source that changes meanwhile cannot yield a blob that does not match its name.

    Returns None (nothing written) when the kernel cannot copy between these files, so the caller
    falls back to the read-hash-write pipeline.
    """
    copy = getattr(os, "copy_file_range", None)
    if copy is None:
        return None
    try:
        src_fd, out_fd = source.fileno(), out.fileno()
        start = os.lseek(src_fd, 0, os.SEEK_CUR)
    except (OSError, AttributeError, ValueError):
        return None
    try:
        first = copy(src_fd, out_fd, KERNEL_CHUNK)
    except OSError as exc:
        if exc.errno in _NO_KERNEL_COPY:
            os.lseek(src_fd, start, os.SEEK_SET)
            return None
        raise
    landed: queue.Queue = queue.Queue()
    landed.put(first)
    error: list[BaseException] = []

    def _copier() -> None:
        try:
            n = first
            while n:
                n = copy(src_fd, out_fd, KERNEL_CHUNK)
                landed.put(n)
        except BaseException as exc:  # surfaced in the hashing thread
            error.append(exc)
            landed.put(0)

    thread = threading.Thread(target=_copier, name="blob-copier", daemon=True) if first else None
    if thread:
        thread.start()
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    offset = 0
    with open(tmp, "rb", buffering=0) as readback:
        while True:
            n = landed.get()
            if not n:
                break
            end = offset + n
            while offset < end:
                got = os.preadv(readback.fileno(), [view[: min(CHUNK, end - offset)]], offset)
                if not got:
                    raise OSError(errno.EIO, "short read of the file being stored", str(tmp))
                digest.update(view[:got])
                offset += got
                if progress:
                    progress(got)
    if thread:
        thread.join()
    if error:
        raise error[0]
    return digest.hexdigest(), offset


def _hash_and_copy(source: BinaryIO, out, progress: Progress | None) -> tuple[str, int]:
    """One pass: the reader hashes each chunk while a writer thread writes the previous one.

    Two buffers alternate, so memory stays at 2 × CHUNK whatever the file size; hashing (hashlib)
    and writing (os.write) both release the GIL, so they overlap on two cores.
    """
    digest = hashlib.sha256()
    buffers = [bytearray(CHUNK), bytearray(CHUNK)]
    free: queue.Queue = queue.Queue()
    for b in buffers:
        free.put(b)
    full: queue.Queue = queue.Queue()
    error: list[BaseException] = []

    def _writer() -> None:
        try:
            while True:
                item = full.get()
                if item is None:
                    return
                buf, n = item
                view = memoryview(buf)[:n]
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                free.put(buf)
        except BaseException as exc:  # surfaced in the reader
            error.append(exc)
            free.put(None)

    fd = out.fileno()
    thread = threading.Thread(target=_writer, name="blob-writer", daemon=True)
    thread.start()
    size = 0
    try:
        while True:
            buf = free.get()
            if buf is None or error:
                break
            n = source.readinto(buf)
            if not n:
                free.put(buf)
                break
            digest.update(memoryview(buf)[:n])
            size += n
            full.put((buf, n))
            if progress:
                progress(n)
    finally:
        full.put(None)
        thread.join()
    if error:
        raise error[0]
    return digest.hexdigest(), size
