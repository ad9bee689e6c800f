"""The text of a PDF written by matplotlib with embedded TrueType fonts (``pdf.fonttype`` 42).

Enough PDF to check what the dashboard's brief says, without a PDF library: inflate the
streams, read each font's ToUnicode map (glyph id -> characters), and decode the hex
strings shown by ``Tj``/``TJ`` under the font selected by the last ``Tf``. Text objects
come out one per line.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.DOTALL)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(data)}


def _stream(body: bytes) -> bytes:
    match = _STREAM.search(body)
    if not match:
        return b""
    raw = match.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _cmap(text: bytes) -> dict[int, str]:
    """glyph id -> characters, from a ToUnicode CMap (bfchar and bfrange sections)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.DOTALL):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.DOTALL):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block
        ):
            gids = range(int(lo, 16), int(hi, 16) + 1)
            if dst.startswith(b"["):  # one destination per code
                targets = re.findall(rb"<([0-9A-Fa-f]+)>", dst)
                for gid, target in zip(gids, targets, strict=False):
                    mapping[gid] = bytes.fromhex(target.decode()).decode("utf-16-be")
            else:
                start = int(dst[1:-1], 16)
                for i, gid in enumerate(gids):
                    mapping[gid] = chr(start + i)
    return mapping


def _literal(raw: bytes, i: int) -> tuple[bytes, int]:
    """The bytes of the PDF literal string starting after '(' at ``i``; returns (bytes, end)."""
    out, depth = bytearray(), 1
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash escape
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1
    return bytes(out), i


def pdf_text(path: Path | bytes) -> str:
    """All text shown on the pages of ``path``, one text object per line.

    matplotlib writes every TrueType font as a Type0 font with Identity-H encoding, so each
    shown string is a sequence of 2-byte character ids, mapped to text by the font's
    ToUnicode CMap.
    """
    data = path if isinstance(path, bytes) else Path(path).read_bytes()
    objects = _objects(data)
    cmaps: dict[bytes, dict[int, str]] = {}  # font resource name (b"F1") -> cmap
    for body in objects.values():
        for name, ref in re.findall(rb"/(F\d+)\s+(\d+) 0 R", body):
            to_unicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects.get(int(ref), b""))
            if to_unicode:
                cmaps[name] = _cmap(_stream(objects[int(to_unicode.group(1))]))
    lines = []
    token = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(")
    for body in objects.values():
        content = _stream(body)
        if b"Tf" not in content:
            continue
        for text_object in re.findall(rb"\bBT\b(.*?)\bET\b", content, re.DOTALL):
            cmap: dict[int, str] = {}
            out, i = [], 0
            while (match := token.search(text_object, i)) is not None:
                if match.group(1):
                    cmap, i = cmaps.get(match.group(1), {}), match.end()
                    continue
                raw, i = _literal(text_object, match.end())
                out += [
                    cmap.get(int.from_bytes(raw[k : k + 2], "big"), "")
                    for k in range(0, len(raw) - 1, 2)
                ]
            lines.append("".join(out))
    return "\n".join(lines)
