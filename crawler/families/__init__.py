"""Portal families: how each portal system lists its articles and pages its lists.

Each module holds pure functions (response text in, URLs and request parameters
out) so that spiders stay thin and the rules are testable without a crawl.
"""
