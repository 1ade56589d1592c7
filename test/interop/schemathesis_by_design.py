"""schemathesis hooks for test/interop/api-fuzz.interop.test.ts: drops the failures that cannot
hold by design, and nothing else.

The rules, each with its reason, live in the test; it passes them as JSON in
PINSTACK_FUZZ_BY_DESIGN. A failure is dropped only when one rule matches all of: its failure
code, the operation (`METHOD /path` as in the document, or a bare method), the response status
and, where the rule gives them, a regex found in the response body, in the failure's message
and in the request's media type. How many failures each rule dropped is written, as JSON, to
PINSTACK_FUZZ_BY_DESIGN_COUNTS when schemathesis exits.
"""

import atexit
import json
import os
import re

import schemathesis

RULES = json.loads(os.environ.get("PINSTACK_FUZZ_BY_DESIGN", "[]"))
COUNTS = [0] * len(RULES)
COUNTS_FILE = os.environ.get("PINSTACK_FUZZ_BY_DESIGN_COUNTS")


def _search(pattern, text):
    return pattern is None or re.search(pattern, text or "") is not None


def _matches(rule, failure, case, response):
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    method = (response.request.method or "").upper()
    if failure.code != rule["code"]:
        return False
    if operation not in rule["operations"] and method not in rule["operations"]:
        return False
    if response.status_code not in rule["statuses"]:
        return False
    body = response.content.decode("utf-8", errors="replace")
    return (
        _search(rule.get("body"), body)
        and _search(rule.get("message"), failure.message)
        and _search(rule.get("mediaType"), case.media_type)
    )


@schemathesis.hook
def filter_failure(context, failure, case, response):
    for index, rule in enumerate(RULES):
        if _matches(rule, failure, case, response):
            COUNTS[index] += 1
            return False
    return True


@atexit.register
def _write_counts():
    if COUNTS_FILE:
        with open(COUNTS_FILE, "w", encoding="utf-8") as out:
            json.dump(COUNTS, out)
