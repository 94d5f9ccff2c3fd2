#!/usr/bin/python3
"""oracle.py: typerpc's protobuf JSON codec against Python protobuf's json_format.

    oracle.py JSON_TOOL GEN_DIR [COUNT] [SEED]

GEN_DIR holds jt_pb2.py and jt2_pb2.py (protoc --python_out); JSON_TOOL is
tests/json/json_tool.c built against libtyperpc.  For a corpus of messages
(COUNT random jt.All and jt2.P2 instances, filled field by field from their
descriptors, plus hand-picked ones), each serialized to binary:

  1. write: the C codec's JSON of the binary must equal
     json_format.MessageToJson(...) as JSON values: parsed with json.loads
     and compared with ==, which ignores key order, whitespace, string
     escapes and number spelling (1.0 vs 1, 1e+300 vs 1e300): the places
     where the proto3 JSON mapping allows variants.  Nothing else is
     normalised.  Also with each option against its json_format twin
     (emit defaults, proto names, enums as numbers).
  2. read: the C codec must parse json_format's text back to the same
     message (compared as deterministic binary; a message holding an Any is
     compared through MessageToDict, since an Any's bytes may legally order
     map entries differently).
  3. inputs: hand-written JSON that json_format accepts must be accepted and
     give the same message; JSON that json_format rejects (malformed, wrong
     types, unknown names, out-of-range numbers...) must be rejected too.

Every mismatch is listed; the exit status is 1 if there was any.
"""
import binascii
import json
import math
import random
import struct
import subprocess
import sys

sys.path.insert(0, sys.argv[2])
import jt_pb2  # noqa: E402
import jt2_pb2  # noqa: E402
from google.protobuf import any_pb2, duration_pb2, empty_pb2, struct_pb2  # noqa: E402
from google.protobuf import descriptor, json_format, timestamp_pb2, wrappers_pb2  # noqa: E402

FD = descriptor.FieldDescriptor
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 400
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 14)

tool = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True, bufsize=1)


def call(op, typ, flags, data):
    tool.stdin.write("%s %s %s %s\n" % (op, typ, flags or "-", binascii.hexlify(data).decode()))
    tool.stdin.flush()
    line = tool.stdout.readline()
    if not line:
        raise SystemExit("json_tool died")
    kind, _, rest = line.rstrip("\n").partition(" ")
    if kind == "ok":
        return True, binascii.unhexlify(rest)
    return False, rest


# ---- random values -------------------------------------------------------

def r_str():
    pool = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\x01', '\x1f', '\x7f', 'é', '中',
            '\u2028', '😀', 'ok', 'hello world']
    return ''.join(rng.choice(pool) for _ in range(rng.randint(0, 6)))


def r_int(bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return rng.choice([0, 1, lo, hi, rng.randint(lo, hi), rng.randint(-100, 100) if signed
                       else rng.randint(0, 100)])


def r_float32():
    return rng.choice([0.0, 1.5, -2.25, 0.1, 3.4028234663852886e38, 1.401298464324817e-45,
                       math.inf, -math.inf, math.nan,
                       struct.unpack('<f', struct.pack('<I', rng.getrandbits(32) & 0x7f7fffff))[0],
                       rng.uniform(-1e6, 1e6)])


def r_double(finite=False):
    c = [0.0, 0.1, -1e300, 5e-324, 1.7976931348623157e308, 123456789.125,
         rng.uniform(-1e9, 1e9), rng.random(), float(rng.randint(-2**53, 2**53))]
    if not finite:
        c += [math.inf, -math.inf, math.nan]
    return rng.choice(c)


def r_json_value(depth):
    k = rng.randint(0, 5 if depth < 3 else 3)
    if k == 0:
        return None
    if k == 1:
        return r_double(finite=True)
    if k == 2:
        return r_str()
    if k == 3:
        return rng.random() < 0.5
    if k == 4:
        return {r_str(): r_json_value(depth + 1) for _ in range(rng.randint(0, 3))}
    return [r_json_value(depth + 1) for _ in range(rng.randint(0, 3))]


def fill_wkt(m, depth):
    """Fills a well-known type with a valid random value; False if m is not one."""
    name = m.DESCRIPTOR.full_name
    if name == 'google.protobuf.Timestamp':
        m.seconds = rng.choice([0, -62135596800, 253402300799,
                                rng.randint(-62135596800, 253402300799)])
        m.nanos = rng.choice([0, rng.randint(0, 999) * 1000000, rng.randint(0, 999999) * 1000,
                              rng.randint(0, 999999999)])
    elif name == 'google.protobuf.Duration':
        s = rng.choice([0, 315576000000, -315576000000, rng.randint(-10**6, 10**6)])
        n = rng.choice([0, rng.randint(0, 999) * 1000000, rng.randint(0, 999999999)])
        if s < 0 or (s == 0 and rng.random() < 0.5):
            n = -n
        m.seconds, m.nanos = s, n
    elif name == 'google.protobuf.FieldMask':
        words = ['a', 'foo_bar', 'baz', 'x1', 'qux_quux_corge']
        for _ in range(rng.randint(0, 3)):
            m.paths.append('.'.join(rng.choice(words) for _ in range(rng.randint(1, 3))))
    elif name == 'google.protobuf.Struct':
        m.update({r_str(): r_json_value(depth) for _ in range(rng.randint(0, 3))})
    elif name == 'google.protobuf.ListValue':
        m.extend([r_json_value(depth) for _ in range(rng.randint(0, 3))])
    elif name == 'google.protobuf.Value':
        v = r_json_value(depth)
        if v is None:
            m.null_value = 0
        elif isinstance(v, bool):
            m.bool_value = v
        elif isinstance(v, float):
            m.number_value = v
        elif isinstance(v, str):
            m.string_value = v
        elif isinstance(v, dict):
            m.struct_value.SetInParent()  # an empty Struct is still a kind
            m.struct_value.update(v)
        else:
            m.list_value.SetInParent()
            m.list_value.extend(v)
    elif name == 'google.protobuf.Any':
        inner = rng.choice([jt_pb2.Inner, jt_pb2.Scalars, timestamp_pb2.Timestamp,
                            duration_pb2.Duration, struct_pb2.Struct, struct_pb2.Value,
                            wrappers_pb2.Int64Value, wrappers_pb2.StringValue, empty_pb2.Empty,
                            any_pb2.Any])()
        if depth > 2 and inner.DESCRIPTOR.full_name == 'google.protobuf.Any':
            inner = empty_pb2.Empty()
        fill(inner, depth + 1)
        if inner.DESCRIPTOR.full_name == 'google.protobuf.Value' and \
                inner.WhichOneof('kind') is None:
            inner.null_value = 0
        m.Pack(inner)
    elif name.startswith('google.protobuf.') and name.endswith('Value') and \
            'value' in m.DESCRIPTOR.fields_by_name:
        m.value = scalar(m.DESCRIPTOR.fields_by_name['value'])
    elif name == 'google.protobuf.Empty':
        pass
    else:
        return False
    return True


def scalar(f):
    t = f.type
    if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return r_int(32, True)
    if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
        return r_int(64, True)
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return r_int(32, False)
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return r_int(64, False)
    if t == FD.TYPE_FLOAT:
        return r_float32()
    if t == FD.TYPE_DOUBLE:
        return r_double()
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_STRING:
        return r_str()
    if t == FD.TYPE_BYTES:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 9)))
    if t == FD.TYPE_ENUM:
        vals = [v.number for v in f.enum_type.values]
        if f.enum_type.full_name == 'google.protobuf.NullValue':
            return 0
        # An open (proto3) enum also holds numbers it has no name for.
        if f.file.syntax == 'proto3' and rng.random() < 0.15:
            return rng.choice([99, -1000])
        return rng.choice(vals)
    raise AssertionError(t)


def fill(m, depth=0):
    if fill_wkt(m, depth):
        return
    for f in m.DESCRIPTOR.fields:
        if f.label == FD.LABEL_REQUIRED:
            pass
        elif rng.random() < (0.5 if depth < 2 else 0.2):
            continue
        is_msg = f.type == FD.TYPE_MESSAGE
        if is_msg and f.message_type.GetOptions().map_entry:
            kf, vf = f.message_type.fields_by_name['key'], f.message_type.fields_by_name['value']
            mp = getattr(m, f.name)
            for _ in range(rng.randint(0, 3)):
                k = scalar(kf)
                if vf.type == FD.TYPE_MESSAGE:
                    fill(mp[k], depth + 1)
                else:
                    mp[k] = scalar(vf)
        elif f.label == FD.LABEL_REPEATED:
            rep = getattr(m, f.name)
            for _ in range(rng.randint(0, 3 if depth < 3 else 1)):
                if is_msg:
                    if depth >= 3:
                        break
                    fill(rep.add(), depth + 1)
                else:
                    rep.append(scalar(f))
        elif is_msg:
            if depth >= 4:
                continue
            sub = getattr(m, f.name)
            sub.SetInParent()
            fill(sub, depth + 1)
        else:
            setattr(m, f.name, scalar(f))


# ---- comparing -----------------------------------------------------------

failures = []
stats = {"write": 0, "read": 0, "accept": 0, "reject": 0, "damaged": 0}


def fail(what, m, detail):
    failures.append("%s: %s\n    message: %s" % (what, detail, str(m)[:400].replace("\n", " ")))


def first_difference(a, b, path=""):
    """Where two JSON-like values first differ, for the report."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k, "<absent>") != b.get(k, "<absent>"):
                return first_difference(a.get(k, "<absent>"), b.get(k, "<absent>"), path + "." + k)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, "%s[%d]" % (path, i))
    return "%s: typerpc %r, expected %r" % (path or "<top>", a, b)


def same_message(a, b):
    da = a.SerializeToString(deterministic=True)
    db = b.SerializeToString(deterministic=True)
    if da == db:
        return True
    if b"type.googleapis.com" in da:
        return json_format.MessageToDict(a) == json_format.MessageToDict(b)
    return False


MODES = [
    ("-", {}),
    ("d", {"including_default_value_fields": True}),
    ("p", {"preserving_proto_field_name": True}),
    ("n", {"use_integers_for_enums": True}),
]


def check(m, modes=MODES):
    typ = m.DESCRIPTOR.full_name
    binary = m.SerializeToString()
    for flags, kw in modes:
        try:
            want = json_format.MessageToJson(m, indent=None, **kw)
        except Exception as e:  # json_format cannot write it: neither may we
            ok, got = call("enc", typ, flags, binary)
            if ok:
                fail("write[%s]" % flags, m, "json_format refuses (%s) but typerpc wrote %s"
                     % (e, got[:200]))
            continue
        ok, got = call("enc", typ, flags, binary)
        stats["write"] += 1
        if not ok:
            fail("write[%s]" % flags, m, "typerpc failed: %s" % got)
            continue
        text = got.decode("utf-8")
        if json.loads(text) != json.loads(want):
            fail("write[%s]" % flags, m, "\n    typerpc:     %s\n    json_format: %s"
                 % (text[:600], want[:600]))
        # Read: json_format's text back through the C codec.
        ok, got = call("dec", typ, "-", want.encode("utf-8"))
        stats["read"] += 1
        if not ok:
            fail("read[%s]" % flags, m, "typerpc rejects json_format's text: %s\n    text: %s" % (got, want[:300]))
            continue
        back = type(m)()
        back.ParseFromString(got)
        if not same_message(back, m):
            fail("read[%s]" % flags, m, "typerpc read json_format's text differently: %s"
                 % first_difference(json_format.MessageToDict(back), json_format.MessageToDict(m)))


def check_input(cls, text, flags="-"):
    """Hand-written JSON: both accept with the same result, or both reject."""
    typ = cls.DESCRIPTOR.full_name
    py_err = None
    want = cls()
    try:
        json_format.Parse(text, want, ignore_unknown_fields="u" in flags)
    except Exception as e:
        py_err = e
    ok, got = call("dec", typ, flags, text.encode("utf-8"))
    if py_err is not None:
        stats["reject"] += 1
        if ok:
            back = cls()
            back.ParseFromString(got)
            fail("reject", text, "json_format rejects (%s); typerpc accepted it as %s"
                 % (py_err, str(back)[:200]))
    else:
        stats["accept"] += 1
        if not ok:
            fail("accept", text, "json_format accepts; typerpc: %s" % got)
        else:
            back = cls()
            back.ParseFromString(got)
            if not same_message(back, want):
                fail("accept", text, "typerpc %s, json_format %s" % (back, want))


# ---- the corpus ------------------------------------------------------------

for i in range(COUNT):
    m = jt_pb2.All()
    fill(m)
    check(m)
    if i % 4 == 0:
        p = jt2_pb2.P2()
        fill(p)
        check(p, MODES[:1] + MODES[2:])  # emit_defaults and proto2: docs/json.md

# Hand-picked messages: every scalar at its extremes, specials, empty ones.
s = jt_pb2.Scalars(f_int32=-2**31, f_int64=-2**63, f_uint32=2**32 - 1, f_uint64=2**64 - 1,
                   f_float=math.nan, f_double=-math.inf, f_bool=True, f_string='"\\\u0001😀',
                   f_bytes=b"\xff\xfe\x00", f_enum=jt_pb2.NEGATIVE, renamed=1, _leading=2,
                   trailing_=3, field_name_2x="y")
check(s)
check(jt_pb2.All())
check(jt_pb2.Presence(o_int32=0, o_string="", o_bytes=b"", o_enum=0, o_double=0.0,
                      o_bool=False, c_int32=0))
check(jt_pb2.Presence(c_msg=jt_pb2.Inner()))
check(jt_pb2.Wkts(empty=empty_pb2.Empty(), st=struct_pb2.Struct(), lv=struct_pb2.ListValue(),
                  w_bool=wrappers_pb2.BoolValue(), w_string=wrappers_pb2.StringValue()))
check(jt2_pb2.P2(req=0), MODES[:1])
check(jt2_pb2.P2(req=1, opt=5, name="dflt", d=1.5, flag=False, big=2**64 - 1, kind=2),
      MODES[:1])

S = jt_pb2.Scalars
# Inputs json_format accepts: every variant the mapping allows on input.
for text in [
    '{}', '{"fInt32": 5}', '{"f_int32": 5}', '{"fInt32": "5"}', '{"fInt32": -5.0}',
    '{"fInt32": 1e2}', '{"fInt64": 5}', '{"fInt64": "-9223372036854775808"}',
    '{"fUint64": "18446744073709551615"}', '{"fInt64": 1e18}',
    '{"fFloat": "NaN"}', '{"fFloat": "Infinity"}', '{"fDouble": "-Infinity"}',
    '{"fDouble": "1.5"}', '{"fDouble": 1e308}', '{"fFloat": 3.4028234663852886e38}',
    '{"fBytes": "-_8A"}', '{"fBytes": "+/8A"}', '{"fBytes": "AQ"}', '{"fBytes": "AQ=="}',
    '{"fBytes": ""}', '{"fEnum": "BLUE"}', '{"fEnum": 2}', '{"fEnum": -7}', '{"fEnum": 99}',
    '{"fString": null, "fMsg": null, "fInt32": null}', '{"RenamedField": 1}', '{"renamed": 2}',
    '{"fMsg": {"kids": [{"a": 1}, {}]}}', '{"fieldName2x": "q", "Leading": 1, "trailing": 2}',
    '{"fString": "\\u00e9\\ud83d\\ude00"}', '{"fBool": false}',
]:
    check_input(S, text)
for text in [
    '{"rInt64": ["1", 2, "-3"], "rEnum": ["RED", 2], "rFloat": ["NaN", 1.5]}',
    '{"rMsg": [{}, {"s": "x"}], "rString": []}', '{"rBytes": ["AA==", "_-8"]}',
]:
    check_input(jt_pb2.Repeateds, text)
for text in [
    '{"mStringInt32": {"a": 1, "b": "2"}, "mInt32String": {"-5": "x"}}',
    '{"mBoolBytes": {"true": "AA==", "false": ""}, "mUint64Enum": {"18446744073709551615": "RED"}}',
    '{"mInt64Msg": {"7": {"a": 1}}, "mStringValue": {"n": null, "l": [1, "a", {}]}}',
    '{"mSint32Double": {"-1": "Infinity"}, "mFixed64Float": {"1": 0.5}}',
    '{"mUint32Ts": {"3": "2000-02-29T23:59:59.999999999Z"}}',
]:
    check_input(jt_pb2.Maps, text)
for text in [
    '{"cInt32": 0}', '{"cString": "x", "oInt32": 0}', '{"cMsg": {}}', '{"cEnum": "RED"}',
    '{"cTs": "1970-01-01T00:00:00Z"}', '{"cInt32": null, "cString": "y"}',
]:
    check_input(jt_pb2.Presence, text)
W = jt_pb2.Wkts
for text in [
    '{"ts": "1972-01-01T10:00:20.021Z"}', '{"ts": "1972-01-01T10:00:20.021+05:30"}',
    '{"ts": "1972-01-01T10:00:20-08:00"}', '{"ts": "0001-01-01T00:00:00Z"}',
    '{"ts": "9999-12-31T23:59:59.999999999Z"}', '{"ts": "2020-01-01T00:00:00.1Z"}',
    '{"dur": "1.5s"}', '{"dur": "-0.5s"}', '{"dur": "0s"}', '{"dur": "315576000000s"}',
    '{"dur": "1.000000001s"}', '{"dur": "-315576000000.999999999s"}',
    '{"fm": ""}', '{"fm": "fooBar,baz.quxQuux"}',
    '{"st": {"a": {"b": [1, true, null, "s"]}}}', '{"val": null}', '{"val": 1.5}',
    '{"val": [1, {"a": null}]}', '{"lv": []}', '{"lv": [null, 2]}', '{"empty": {}}',
    '{"wDouble": "NaN", "wFloat": 1, "wInt64": "5", "wUint64": 6, "wInt32": "-7", "wUint32": 8,'
    ' "wBool": false, "wString": "", "wBytes": "AA=="}',
    '{"wInt32": null}', '{"rVal": [null, 1, "a"]}', '{"rWInt32": [1, 2]}',
    '{"any": {}}', '{"any": {"@type": "type.googleapis.com/jt.Inner", "a": 1, "s": "x"}}',
    '{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "2s"}}',
    '{"any": {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"k": 1}}}',
    '{"rAny": [{"@type": "type.googleapis.com/google.protobuf.Any",'
    ' "value": {"@type": "type.googleapis.com/jt.Inner", "kids": [{}]}}]}',
    '{"nullEnum": null}', '{"nullEnum": "NULL_VALUE"}',
]:
    check_input(W, text)
check_input(jt2_pb2.P2, '{"req": 1, "opt": 5, "name": "dflt", "kind": "KIND_B", "sub": {}}')
check_input(S, '{"nope": 1, "fInt32": 3}', "u")

# Inputs json_format rejects: typerpc must reject them too.
for cls, text in [
    (S, ''), (S, '{'), (S, '{"fInt32": 1,}'), (S, '"x"'), (S, 'null'),
    (S, "{'fInt32': 1}"), (S, '{"fInt32": 1} x'), (S, '{"fInt32": 01}'),
    (S, '{"fInt32": "abc"}'), (S, '{"fInt32": true}'), (S, '{"fInt32": 1.5}'),
    (S, '{"fInt32": 2147483648}'), (S, '{"fInt32": -2147483649}'), (S, '{"fUint32": -1}'),
    (S, '{"fUint32": 4294967296}'), (S, '{"fInt64": "9223372036854775808"}'),
    (S, '{"fUint64": "-1"}'), (S, '{"fUint64": "18446744073709551616"}'),
    (S, '{"fInt32": " 1"}'), (S, '{"fInt32": "1.0"}'), (S, '{"fInt32": [1]}'),
    (S, '{"fFloat": 3.5e38}'), (S, '{"fFloat": "nan"}'),
    (S, '{"fDouble": {}}'), (S, '{"fBool": "true"}'), (S, '{"fBool": 1}'),
    (S, '{"fString": 1}'), (S, '{"fString": ["a"]}'),
    (S, '{"fBytes": 5}'), (S, '{"fEnum": "PURPLE"}'), (S, '{"fEnum": "red"}'),
    (S, '{"fMsg": 5}'), (S, '{"nope": 1}'), (S, '{"fint32": 1}'),
    (S, '{"fInt32": 1, "fInt32": 2}'), (S, '{"fMsg": {"kids": [{"a": "x"}]}}'),
    (jt_pb2.Repeateds, '{"rInt32": 1}'), (jt_pb2.Repeateds, '{"rInt32": [null]}'),
    (jt_pb2.Repeateds, '{"rMsg": [null]}'), (jt_pb2.Repeateds, '{"rString": {"a": 1}}'),
    (jt_pb2.Maps, '{"mStringInt32": []}'), (jt_pb2.Maps, '{"mInt32String": {"x": "y"}}'),
    (jt_pb2.Maps, '{"mBoolBytes": {"1": ""}}'), (jt_pb2.Maps, '{"mStringInt32": {"a": null}}'),
    (jt_pb2.Maps, '{"mInt32String": {"2147483648": "y"}}'),
    (jt_pb2.Presence, '{"cInt32": 1, "cString": "x"}'),
    (jt_pb2.Presence, '{"cMsg": {}, "cEnum": "RED"}'),
    (W, '{"ts": "1972-01-01T10:00:20Z "}'), (W, '{"ts": "1972-01-01 10:00:20Z"}'),
    (W, '{"ts": "1972-13-01T10:00:20Z"}'), (W, '{"ts": "1972-01-01T10:00:20"}'),
    (W, '{"ts": "10000-01-01T00:00:00Z"}'), (W, '{"ts": 5}'),
    (W, '{"ts": "1972-01-01T10:00:20.0000000001Z"}'),
    (W, '{"dur": "1.5"}'), (W, '{"dur": "s"}'), (W, '{"dur": "315576000001s"}'),
    (W, '{"dur": 1}'),
    (W, '{"fm": "foo_bar"}'), (W, '{"fm": 5}'), (W, '{"st": []}'), (W, '{"st": 1}'),
    (W, '{"lv": {}}'), (W, '{"wInt32": "x"}'), (W, '{"wBool": 0}'), (W, '{"any": 5}'),
    (W, '{"any": {"a": 1}}'), (W, '{"any": {"@type": "type.googleapis.com/jt.Nope"}}'),
    (W, '{"any": {"@type": "type.googleapis.com/jt.Inner", "b": 1}}'),
    (W, '{"any": {"@type": "type.googleapis.com/google.protobuf.Duration"}}'),
    (W, '{"nullEnum": "X"}'),
]:
    check_input(cls, text)

# Inputs typerpc rejects on purpose where this json_format accepts them (its
# quirks; docs/json.md lists them): typerpc must reject them.
for cls, text in [
    (S, '[]'), (S, '{"fMsg": []}'),            # a list taken for an empty message
    (S, '{"fDouble": "inf"}'),                  # Python's float(): only "Infinity" is JSON's
    (S, '{"fBytes": "!!"}'),                    # non-base64 characters silently dropped
    (S, '{"fEnum": 1.5}'), (S, '{"fEnum": true}'),  # int(1.5), True == 1
    (S, '{"fInt32": 1, "f_int32": 2}'),         # one field under both names: the last won
    (W, '{"dur": "1.0000000001s"}'),            # ten fractional digits, rounded
]:
    ok, got = call("dec", cls.DESCRIPTOR.full_name, "-", text.encode("utf-8"))
    stats["reject"] += 1
    if ok:
        fail("stricter", text, "typerpc accepted it")
# With ignore_unknown_fields typerpc also skips enum names it does not know
# (as protobuf's C++ parser and the conformance suite do); this json_format
# still rejects them.
ok, got = call("dec", "jt.Scalars", "u", b'{"fEnum": "PURPLE", "fInt32": 3}')
if not ok or got != b"\x08\x03":
    fail("ignore", "fEnum PURPLE", "typerpc: %r" % (got,))

# Damaged input: json_format's text with random edits (deleted, inserted,
# swapped characters) must get an answer, never a crash (json_tool runs
# under ASan and UBSan in the test build); whatever decodes must re-encode.
texts = []
for i in range(40):
    m = jt_pb2.All()
    fill(m)
    texts.append(json_format.MessageToJson(m, indent=None))
damaged = 0
for i in range(3000):
    t = list(rng.choice(texts))
    for _ in range(rng.randint(1, 4)):
        if not t:
            break
        k = rng.randrange(len(t))
        op = rng.randrange(3)
        if op == 0:
            del t[k]
        elif op == 1:
            t.insert(k, rng.choice('{}[]",:-.0123456789eEaztrufnl\\ '))
        else:
            j = rng.randrange(len(t))
            t[k], t[j] = t[j], t[k]
    ok, got = call("dec", "jt.All", rng.choice(["-", "u"]), "".join(t).encode("utf-8"))
    if ok:
        ok2, again = call("enc", "jt.All", "-", got)
        if not ok2 and "not valid UTF-8" not in again and "registry" not in again:
            fail("damaged", "".join(t)[:200], "decoded, but does not encode: %s" % again)
    damaged += 1
stats["damaged"] = damaged

tool.stdin.close()
tool.wait()
print("oracle: %(write)d writes and %(read)d reads compared, %(accept)d accepted and "
      "%(reject)d rejected inputs checked, %(damaged)d damaged inputs answered" % stats)
if failures:
    print("%d mismatches:" % len(failures))
    for f in failures[:60]:
        print(" - " + f)
    sys.exit(1)
print("oracle: typerpc's JSON codec agrees with json_format")
