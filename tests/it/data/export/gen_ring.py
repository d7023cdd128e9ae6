#!/usr/bin/env python3
"""Generates ring_tweets_csv_unhashed.csv (stdout): a Twitter IO-archive tweets file (2018 column
order) with a retweet ring (4 core accounts posting, 12 amplifiers retweeting most of their posts
within seconds) among 50 organic accounts that post and retweet each other. Seeded: the output
is the same on every run. For the export scenario of scripts/check-exports.sh (real clusters
through the CLI), not for detection-quality claims.
Usage: python3 gen_ring.py > ring_tweets_csv_unhashed.csv
"""
import random, csv, sys
r = random.Random(11)
EPOCH = 1288834974657
seq = 0
def sid(ms):
    global seq
    seq = (seq + 1) % 4096
    return ((ms - EPOCH) << 22) | seq
cols = "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,tweet_text,tweet_time,tweet_client_name,in_reply_to_tweetid,in_reply_to_userid,quoted_tweet_tweetid,is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,retweet_count,hashtags,urls,user_mentions,poll_choices".split(",")
core = [(str(r.randint(10**8, 10**9)), "2019-12-%02d" % (1 + i)) for i in range(4)]
amps = [(str(r.randint(10**8, 10**9)), "2020-01-%02d" % (3 + i % 3)) for i in range(12)]
other = [(str(r.randint(10**8, 10**9)), "2015-0%d-11" % (1 + i % 9)) for i in range(50)]
rows = []
def row(tid, u, created, text, ms, rt_user="", rt_id="", tags="[]", urls="[]"):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    d = dict.fromkeys(cols, "")
    d.update(tweetid=tid, userid=u, user_display_name=u, user_screen_name=u, follower_count=r.randint(0, 500),
             following_count=r.randint(0, 500), account_creation_date=created, account_language="en",
             tweet_language="en", tweet_text=text, tweet_time=t, tweet_client_name="Twitter Web App",
             is_retweet="true" if rt_id else "false", retweet_userid=rt_user, retweet_tweetid=rt_id,
             hashtags=tags, urls=urls, user_mentions="[]")
    rows.append((ms, d))
t0 = 1580515200000
for day in range(6):
    for (u, c) in other:
        for _ in range(r.randint(0, 3)):
            ms = t0 + day * 86400000 + r.randint(0, 86399999)
            row(sid(ms), u, c, "ordinary post %d #%s" % (r.randint(0, 10**6), r.choice(["weather", "football", "food"])), ms)
    for ci, (u, c) in enumerate(core):
        for k in range(3):
            ms = t0 + day * 86400000 + (6 + ci + 4 * k) * 3600000 + r.randint(0, 900000)
            oid = sid(ms)
            row(oid, u, c, "Campaign narrative %d-%d-%d #opX" % (day, ci, k), ms, tags="[opX]",
                urls="[https://state-news.example/%d]" % (day * 100 + ci * 10 + k))
            for (au, ac) in amps:
                if r.random() < 0.75:
                    ams = ms + r.randint(4000, 50000)
                    row(sid(ams), au, ac, "RT @%s: Campaign narrative %d-%d-%d #opX" % (u, day, ci, k), ams, u, oid, tags="[opX]")
# organic retweets of organic posts, spread over many objects
organic_posts = [(d["tweetid"], d["userid"], ms) for ms, d in rows if d["is_retweet"] == "false" and not d["tweet_text"].startswith("Campaign")]
for (u, c) in other:
    for _ in range(r.randint(4, 16)):
        oid, ou, oms = r.choice(organic_posts)
        if ou == u:
            continue
        ms = oms + r.randint(60000, 86400000)
        row(sid(ms), u, c, "RT @%s: ordinary" % ou, ms, ou, oid)
rows.sort(key=lambda x: x[0])
w = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n")
w.writeheader()
for _, d in rows:
    w.writerow(d)
