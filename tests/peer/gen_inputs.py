#!/usr/bin/env python3
"""Generate coordination-network-toolkit CSV inputs with the edge cases of `chorus network`.

Usage: gen_inputs.py OUT.csv [N_MESSAGES] [SEED]

Deterministic for a given (N_MESSAGES, SEED). Columns (with a UTF-8 BOM before the header):
message_id,user_id,username,repost_id,reply_id,message,timestamp,urls

Edge cases planted on top of random background traffic:
- partners exactly at the window (gap == 60, 30, 1 s for the windows checked) and just over
  (gap + 1, gap + 0.001), float timestamps whose sums round differently in binary;
- repeated reposts of the same message by one user, self-reposts, the same user twice in a window;
- duplicate message ids (the first row wins), ids that sort differently as bytes and as numbers,
  ids with quotes and commas;
- several URLs, repeated URLs, empty URL cells, double spaces in the URL cell;
- co_tweet texts that differ only in case, mentions, whitespace (tabs, newlines, U+001F);
- co_similar texts with Jaccard exactly at and around 0.8; empty and mention-only texts;
- replies to the same message, reposts of replies.
"""
import csv
import random
import sys

WORDS = ("vote rigged election fraud stop steal truth media lies freedom patriots rally "
         "news today breaking share now watch video join us government corrupt").split()


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    rng = random.Random(seed)
    n_users = max(12, n // 40)
    users = [str(rng.choice([rng.randrange(1, 10**6), rng.randrange(10**17, 10**18)])) for _ in range(n_users)]
    users += ["9", "10", "u\"q", "ü,1", "Zed"]
    rows = []
    next_id = [10**12]

    def new_id():
        next_id[0] += rng.randrange(1, 5)
        return str(next_id[0])

    def add(user, t, repost="", reply="", text="", urls="", mid=None):
        mid = mid if mid is not None else new_id()
        rows.append([mid, user, "name_" + user, repost, reply, text, t, urls])
        return mid

    span = max(2000, n * 8)
    originals = []
    # Background traffic.
    for _ in range(n):
        u = rng.choice(users)
        t = rng.randrange(0, span)
        if rng.random() < 0.1:
            t = f"{t}.{rng.randrange(0, 1000):03d}"
        r = rng.random()
        if r < 0.35 and originals:
            add(u, str(t), repost=rng.choice(originals[-50:]), text="RT something")
        elif r < 0.45 and originals:
            add(u, str(t), reply=rng.choice(originals[-30:]), text="@x " + " ".join(rng.sample(WORDS, 4)))
        else:
            k = rng.randrange(0, 8)
            text = " ".join(rng.choice(WORDS) for _ in range(k))
            if rng.random() < 0.3:
                text = text.upper()
            if rng.random() < 0.2:
                text = "@someone " + text
            nurl = rng.choice([0, 0, 1, 2])
            urls = " ".join(rng.choice(["http://a.co/1", "http://b.co/2", "www.c.org", "youtu.be/x"]) for _ in range(nurl))
            originals.append(add(u, str(t), text=text, urls=urls))

    # Planted edge cases, each on its own object, far apart in time (t >= span + ...).
    base = span + 1000
    a, b, c, d = users[0], users[1], users[2], users[3]
    for gap in (60, 30, 1):
        for rep in range(3):
            o = add(users[5], str(base), text="orig")
            base += 10_000
            t0 = base
            add(a, str(t0), repost=o)
            add(b, str(t0 + gap), repost=o)            # exactly at the window
            add(c, str(t0 + gap + 1), repost=o)        # just over (integer)
            add(d, f"{t0 + gap}.001", repost=o)        # just over (float)
            add(a, f"{t0}.5", repost=o)                # the same user reposting the same message again
            add(users[5], str(t0 + 2), repost=o)       # the author reposting their own message
            base += 10_000
    # Float rounding at the boundary: 0.1-style decimals.
    for k in range(6):
        o = add(users[6], str(base), text="float")
        base += 10_000
        t0 = base + 0.1 * k
        for j, u in enumerate([a, b, c]):
            add(u, repr(round(t0 + 30 * j + 0.1 * j, 3)), repost=o)
        add(d, repr(round(t0 + 60.3, 3)), repost=o)
        add(users[7], repr(round(t0 - 59.9, 3)), repost=o)
        base += 10_000
    # Same user twice in a window with one partner.
    for k in range(3):
        o = add(users[5], str(base), text="twice")
        base += 10_000
        add(a, str(base), repost=o)
        add(a, str(base + 5), repost=o)
        add(b, str(base + 10), repost=o)
        base += 10_000
    # Duplicate message ids: the first row wins (a repost), the second would be an original.
    for k in range(3):
        o = add(users[5], str(base), text="dup")
        base += 10_000
        m = add(a, str(base), repost=o)
        add(b, str(base + 1), repost=o)
        add(c, str(base + 2), text="dup second row", urls="http://dup.example", mid=m)
        base += 10_000
    # Empty message ids: the toolkit keys by the id string, so only the first "" row counts.
    o = add(users[5], str(base), text="empty ids")
    base += 10_000
    add(a, str(base), repost=o, mid="")
    add(b, str(base + 1), repost=o, mid="")
    add(c, str(base + 2), repost=o)
    base += 10_000
    # Ids that sort differently as numbers and as bytes, quotes and commas in ids.
    for k in range(3):
        o = add(users[5], str(base), text="ids")
        base += 10_000
        for j, u in enumerate(["9", "10", "u\"q", "ü,1", "Zed"]):
            add(u, str(base + j), repost=o)
        base += 10_000
    # co_tweet: texts equal after normalisation.
    variants = ["Stop the STEAL now", "stop the steal now", "@bob stop  the\tsteal\nnow", "stop the steal now @x",
                "stop\x1fthe steal now", "stop the steal now!", "a@b stop the steal now", "  stop the steal now  "]
    for k in range(3):
        for j, v in enumerate(variants):
            add(users[8 + j % 4], str(base + j * 7), text=v)
        add(users[12], str(base + 1), text="")
        add(users[13], str(base + 2), text="@only @mentions")
        add(users[14], str(base + 3), text="")
        base += 20_000
    # co_similar: Jaccard exactly 0.8 (4/5), just under (3/4 = 0.75, 7/9), above (5/6), empty and short texts.
    sim_texts = [
        "alpha beta gamma delta", "alpha beta gamma delta epsilon",           # 4/5 = 0.8
        "one two three", "one two three four",                                # 3/4
        "a1 a2 a3 a4 a5 a6 a7", "a1 a2 a3 a4 a5 a6 a7 a8 a9",                 # 7/9
        "k1 k2 k3 k4 k5", "k1 k2 k3 k4 k5 k6",                                # 5/6
        "It's rock 'n' roll, isn't it? Yes!", "its rock n roll isn't it yes",  # punctuation and apostrophes
        "Ünïcödé Straße 東京 test", "ünïcödé straße 東京 test",
        "e-mail 3.5 x.y #tag http://t.co/abc", "e-mail 3.5 x.y #tag http://t.co/abc @z",
    ]
    for k in range(3):
        for j, s in enumerate(sim_texts):
            add(users[15 + j % 5], str(base + j), text=s)
        base += 20_000
    # co_reply: replies to the same message at the window edge; a repost of a reply.
    for k in range(3):
        o = add(users[5], str(base), text="replied to")
        base += 10_000
        add(a, str(base), reply=o, text="reply 1")
        add(b, str(base + 60), reply=o, text="reply 2")
        add(c, str(base + 61), reply=o, text="reply 3")
        add(d, str(base + 3), reply=o, repost=o, text="repost with a reply id")
        base += 10_000
    # co_link: several, repeated, empty and double-spaced URL cells.
    for k in range(3):
        add(a, str(base), text="l1", urls="http://x.co/1 http://x.co/1 http://y.co/2")
        add(b, str(base + 30), text="l2", urls="http://y.co/2  http://x.co/1")
        add(c, str(base + 60), text="l3", urls="")
        add(d, str(base + 61), text="l4", urls="")
        add(users[9], str(base + 5), repost=originals[0], text="RT", urls="http://x.co/1")
        base += 20_000

    # Text fuzz for co_tweet / co_similar_tweet: clusters of variants of one base text, posted by
    # different users seconds apart. Tokens from many scripts and word-break classes (UAX #29:
    # apostrophes, numbers with separators, emoji with ZWJ, combining marks, CJK, Thai, Hebrew
    # quotes, mentions glued to words) and whitespace Python and Rust treat differently.
    pool = ["don't", "rock'n'roll", "'quoted'", "l'état", "3,5", "1.000", "e.g.", "U.S.A.", "co-op",
            "naïve", "e\u0301te\u0301", "👍🏽", "👨\u200d👩\u200d👧", "🇺🇸", "東京都", "ひらがな", "カタカナー",
            "สวัสดีครับ", "צה\"ל", "\u05d0'", "Straße", "ΟΔΟΣ", "İstanbul", "x@y", "@@a", "#Tag", "$100",
            "50%", "—", "...", "!!", "a_b", "x.y.z", "http://t.co/Ab1", "ÉCOLE", "\u00a0", "\u2028",
            "\x1c", "\t", "word", "vote", "fraud", "now"]
    seps = [" ", " ", " ", "  ", "\t", "\n", "\u3000", ", ", "\u00a0"]
    for k in range(max(40, n // 25)):
        toks = [rng.choice(pool) for _ in range(rng.randrange(3, 10))]
        t0 = base + rng.randrange(0, 50)
        for j in range(rng.randrange(2, 6)):
            v = list(toks)
            r = rng.random()
            if r < 0.3 and len(v) > 1:
                v.pop(rng.randrange(len(v)))
            elif r < 0.6:
                v.insert(rng.randrange(len(v) + 1), rng.choice(pool))
            elif r < 0.8:
                v = [w.upper() if rng.random() < 0.5 else w for w in v]
            text = "".join(w + rng.choice(seps) for w in v).strip(" ")
            add(rng.choice(users), str(t0 + rng.choice([0, 1, 20, 59, 60, 61])), text=text)
        base += 500

    rng.shuffle(rows)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff")
        w = csv.writer(f)
        w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
