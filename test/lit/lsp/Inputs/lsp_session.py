"""Runs a scripted LSP session against `mlpc lsp` and prints what comes back.

Usage: lsp_session.py MLPC SCRIPT --root REPO [--timeout SECONDS]

The script is read from SCRIPT's lines that start with `>> ` (so a lit test
holds its own session next to its CHECK lines):

  >> {"id": 1, "method": "initialize", "params": {}}   a message ("jsonrpc" added)
  >> raw "Content-Length: 3\\r\\n\\r\\n{]}"              bytes as written (a Python str
                                                       literal, as UTF-8, or a bytes one)

Inside a message, these expand before it is parsed:
  @text(PATH)        the file's contents, as a JSON string
  @uri(PATH)         the file's file:// URI, as a JSON string
  @pos(PATH:NEEDLE)  {"line": L, "character": C} of the first NEEDLE in the
                     file (UTF-16 columns); a `^` in NEEDLE marks the cursor,
                     else it is NEEDLE's start; `\\n` is a line break, and
                     NEEDLE cannot hold `)`
PATH is relative to SCRIPT's folder, or to the repository with `ROOT/`.

Every message is sent at once, then stdin is closed; the server answers in
order, so the output is deterministic. Each message the server writes is
checked for correct framing and printed on one line as canonical JSON (sorted
keys, without "jsonrpc"), the repository path replaced by `ROOT`; then
`EXIT <code>`. A server that does not finish within the timeout fails.
"""

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import urllib.parse


def resolve(path, script_dir, root):
    if path.startswith("ROOT/"):
        return os.path.normpath(os.path.join(root, path[5:]))
    return os.path.normpath(os.path.join(script_dir, path))


def utf16_position(text, offset):
    line_start = max(text.rfind("\n", 0, offset) + 1, 0)
    line = text.count("\n", 0, offset)
    character = len(text[line_start:offset].encode("utf-16-le")) // 2
    return {"line": line, "character": character}


def expand(line, script_dir, root):
    def read(path):
        with open(resolve(path, script_dir, root), encoding="utf-8", newline="") as f:
            return f.read()

    def text(m):
        return json.dumps(read(m.group(1)))

    def uri(m):
        path = os.path.abspath(resolve(m.group(1), script_dir, root))
        return json.dumps("file://" + urllib.parse.quote(path))

    def pos(m):
        path, needle = m.group(1).split(":", 1)
        content = read(path)
        cursor = needle.find("^")
        plain = needle.replace("^", "", 1).replace("\\n", "\n")
        at = content.find(plain)
        if at < 0:
            sys.exit(f"lsp_session: `{plain}` not found in {path}")
        return json.dumps(utf16_position(content, at + max(cursor, 0)))

    line = re.sub(r"@text\(([^)]*)\)", text, line)
    line = re.sub(r"@uri\(([^)]*)\)", uri, line)
    return re.sub(r"@pos\(([^)]*)\)", pos, line)


def frame(message):
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frames(data):
    """Splits the server's output into messages, checking each header."""
    messages = []
    while data:
        header_end = data.find(b"\r\n\r\n")
        if header_end < 0:
            sys.exit(f"lsp_session: output ends inside a header: {data[:80]!r}")
        header = data[:header_end].decode("ascii")
        m = re.fullmatch(r"Content-Length: (\d+)", header)
        if not m:
            sys.exit(f"lsp_session: bad header {header!r}")
        length = int(m.group(1))
        body = data[header_end + 4 : header_end + 4 + length]
        if len(body) != length:
            sys.exit("lsp_session: output ends inside a message body")
        messages.append(json.loads(body.decode("utf-8")))
        data = data[header_end + 4 + length :]
    return messages


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mlpc")
    parser.add_argument("script")
    parser.add_argument("--root", required=True)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    script_dir = os.path.dirname(os.path.abspath(args.script))

    stdin = b""
    with open(args.script, encoding="utf-8") as f:
        for line in f:
            if not line.startswith(">> "):
                continue
            line = line[3:].strip()
            if line.startswith("raw "):
                data = ast.literal_eval(line[4:])
                stdin += data if isinstance(data, bytes) else data.encode("utf-8")
                continue
            message = json.loads(expand(line, script_dir, root))
            message.setdefault("jsonrpc", "2.0")
            stdin += frame(message)

    try:
        done = subprocess.run([args.mlpc, "lsp"], input=stdin, capture_output=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"TIMEOUT: the server did not finish within {args.timeout}s")
        sys.exit(1)
    for message in read_frames(done.stdout):
        if message.pop("jsonrpc", None) != "2.0":
            print("MISSING jsonrpc 2.0")
        print(json.dumps(message, sort_keys=True, ensure_ascii=False).replace(root, "ROOT"))
    sys.stderr.write(done.stderr.decode("utf-8", "replace"))
    print(f"EXIT {done.returncode}")


if __name__ == "__main__":
    main()
