#!/usr/bin/env python3
"""tests/fuzz/seeds.py — (re)build the seed corpora tests/fuzz/corpus/<target>/ from the unit tests' cases.

Takes the C string literals of tests/unit/test_*.c (adjacent literals joined, escapes decoded) that look like the
target's input, adds the option bytes a target reads first (fuzz_<target>.c says which), and writes one file per
seed named seed-<sha1 prefix>. Existing files (the campaign's finds) are kept. Run from anywhere; idempotent.
The committed corpus is the result after merging (campaign.sh runs -merge=1), so after this run campaign.sh (or
`build-fuzz/fuzz_<t> -merge=1 NEW_DIR tests/fuzz/corpus/<t>`) to keep only the seeds that add coverage.
"""
import hashlib, os, re, sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
UNIT = os.path.join(ROOT, 'tests', 'unit')
CORPUS = os.path.join(ROOT, 'tests', 'fuzz', 'corpus')

LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def decode(s):
    out, i = bytearray(), 0
    esc = {'n': 10, 't': 9, 'r': 13, '0': 0, '\\': 92, '"': 34, "'": 39, 'a': 7, 'b': 8, 'f': 12, 'v': 11, '?': 63}
    while i < len(s):
        c = s[i]
        if c != '\\':
            out += c.encode('utf-8')
            i += 1
            continue
        n = s[i + 1]
        if n == 'x':
            m = re.match(r'[0-9a-fA-F]+', s[i + 2:])
            out.append(int(m.group(0)[-2:], 16))
            i += 2 + len(m.group(0))
        elif n in '01234567':
            m = re.match(r'[0-7]{1,3}', s[i + 1:])
            out.append(int(m.group(0), 8) & 255)
            i += 1 + len(m.group(0))
        else:
            out.append(esc.get(n, ord(n)))
            i += 2
    return bytes(out)


def literals(name):
    """String literals of one unit test, adjacent ones joined."""
    text = open(os.path.join(UNIT, name), encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r"'(?:[^'\\]|\\.)'", ' ', text)
    res, last_end, cur = [], -1, None
    for m in LIT.finditer(text):
        between = text[last_end:m.start()] if last_end >= 0 else 'x'
        if cur is not None and between.strip() == '':
            cur += decode(m.group(1))
        else:
            if cur is not None:
                res.append(cur)
            cur = decode(m.group(1))
        last_end = m.end()
    if cur is not None:
        res.append(cur)
    return [r for r in res if r]


def write(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, 'seed-' + hashlib.sha1(data).hexdigest()[:12])
    if not os.path.exists(p):
        with open(p, 'wb') as f:
            f.write(data)


def main():
    counts = {}

    def add(t, data):
        write(t, data)
        counts[t] = counts.get(t, 0) + 1

    for s in literals('test_copy_parse.c'):
        if re.match(rb'\s*(copy|COPY|Copy)', s):
            add('copy', s)
    for s in literals('test_script.c'):
        if len(s) > 3:
            add('script', s)
    # readers: option byte, two split bytes, then the data; a few option variants per literal
    for name, target, variants in (('test_delimited.c', 'delimited', (0x00, 0x01, 0x02, 0x15, 0x48)),
                                   ('test_split.c', 'delimited', (0x00, 0x01)),
                                   ('test_csv.c', 'csv', (0x00, 0x10, 0x21, 0x45)),
                                   ('test_split.c', 'csv', (0x00,)),
                                   ('test_fixedwidth.c', 'fixedwidth', (0x00, 0x01, 0x06, 0x0b))):
        for s in literals(name):
            if b'\n' in s or len(s) > 6:
                for v in variants:
                    add(target, bytes([v, 0x55, 0xaa]) + s)
    for s in literals('test_json.c'):
        if s.lstrip()[:1] in (b'{', b'['):
            if b'jsonpaths' in s:
                for v in (0, 1, 2, 3):
                    add('jsonpaths', bytes([v, 0, 0]) + s + b'\0{"id": 1, "a": {"b": [1, 2]}, "c": "x"}\n')
            else:
                for v in (0x00, 0x01, 0x03):
                    add('json', bytes([v, 0, 0]) + s)
    for s in literals('test_convert.c') + literals('test_convert_dt.c'):
        if len(s) <= 64:
            h = int(hashlib.sha1(s).hexdigest(), 16)
            for k in range(3):
                add('conv', bytes([(h >> (8 * k)) % 19, (h >> 30 + k) & 0x7f, (h >> 40 + k) & 0xff,
                                   (h >> 50 + k) & 0xff]) + s)
    for s in literals('test_convert_dt.c'):
        if re.search(rb'(YY|MM|DD|HH|MI|SS|auto|epoch)', s) and len(s) < 40:
            for v in (b'2020-01-31', b'01/31/2020 23:59:59', b'20200131', b'31 Jan 2020 10:00:00 PM'):
                add('dtfmt', bytes([len(v) % 5, 0]) + s + b'\0' + v)
    for name in ('test_webhdfs.c',):
        for s in literals(name):
            if s.lstrip()[:1] in (b'{', b'['):
                add('hjson', s)
    for s in literals('test_manifest.c'):
        if s.lstrip()[:1] == b'{' or b':' in s:
            add('manifest', s)
    # codecs: the unit tests build their inputs at run time; compress a few small texts here
    import gzip, bz2, subprocess
    texts = [b'a|b|c\n1|2|3\n', b'x' * 300 + b'\n', 'h\u00e9llo|w\u00f6rld|\u4e2d\n'.encode()]
    for t in texts:
        add('codec', bytes([0, 1]) + gzip.compress(t, mtime=0))
        add('codec', bytes([0, 2]) + gzip.compress(t, mtime=0) + gzip.compress(t[:3], mtime=0))
        add('codec', bytes([1, 1]) + bz2.compress(t))
        for tool, v in (('zstd', 3), ('lzop', 2)):
            try:
                z = subprocess.run([tool, '-c', '-q'], input=t, capture_output=True, check=True).stdout
                add('codec', bytes([v, 1]) + z)
            except (OSError, subprocess.CalledProcessError):
                pass
        u = t.decode()
        add('codec', bytes([4, 1]) + b'\xff\xfe' + u.encode('utf-16-le'))
        add('codec', bytes([5, 1]) + u.encode('utf-16-le'))
        add('codec', bytes([6, 1]) + u.encode('utf-16-be'))
    lzo = os.path.join(UNIT, 'data', 'lzop_fixture.txt.lzo')
    if os.path.exists(lzo):
        add('codec', bytes([2, 3]) + open(lzo, 'rb').read())
    for t, n in sorted(counts.items()):
        print(f'{t}: {n} seeds')


if __name__ == '__main__':
    sys.exit(main())
