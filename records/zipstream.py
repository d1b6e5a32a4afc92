"""A zip archive written as it streams out: memory stays flat however large its files are.

zipfile writes to a stream it cannot seek by putting each file's sizes after its data (a data
descriptor), which every unzip tool reads.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

FLUSH_AT = 64 * 1024  # bytes gathered before handing a chunk to the response


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose written bytes are taken out as they come."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        return len(data)

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def zip_stream(files: Iterable[tuple[str, Iterator[str]]], *, when: datetime) -> Iterator[bytes]:
    """The zip of (name, text chunks) files, as bytes chunks, produced while it is read."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in files:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w", force_zip64=True) as entry:
                for chunk in chunks:
                    entry.write(chunk.encode())
                    if len(pipe.buffer) >= FLUSH_AT:
                        yield pipe.take()
            if pipe.buffer:
                yield pipe.take()
    yield pipe.take()  # the archive's central directory
