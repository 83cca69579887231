"""The one duration grammar (archiver.core.durations) and every place that takes a duration."""

from __future__ import annotations

import json

import pytest
from scrapy.utils.test import get_crawler
from typer.testing import CliRunner

from archiver.cli import app
from archiver.core.durations import DurationError, parse_duration
from archiver.core.errors import UsageError
from archiver.crawler.changes.policy import PolicyError, parse_policy
from archiver.crawler.crawl.incremental import IncrementalMiddleware

# What the crawl options' old grammar accepted (one number, an optional unit up to weeks, decimals).
CRAWL_GRAMMAR = {"3600": 3600, "90": 90, "0": 0, "90s": 90, "30m": 1800, "12h": 43200, "1d": 86400,
                 "2w": 1209600, "1.5h": 5400, " 2 H ": 7200, "1D": 86400, 90: 90, 2.5: 2.5}
# What the scheduler's old grammar accepted (any number, then parts of a number and a unit up to days).
SCHEDULE_GRAMMAR = {"90": 90, "1e3": 1000, "2.5": 2.5, "45s": 45, "30m": 1800, "2h": 7200, "1h30m": 5400,
                    "1d": 86400, "1h 30m": 5400, "1d12h": 129600, "0.5h": 1800, "1H30M": 5400}
BOTH = {"2w": 1209600, "1h30m": 5400, "1d12h": 129600, "1w2d": 9 * 86400}


@pytest.mark.parametrize(("text", "seconds"), [*CRAWL_GRAMMAR.items(), *SCHEDULE_GRAMMAR.items(), *BOTH.items()])
def test_both_old_grammars_parse_as_before(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "", " ", "h", "5x", "1h30", "1h,30m", "-1h", "inf", "nan", "1.h", "2 weeks"])
def test_not_a_duration_is_one_line_naming_the_value(text):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    message = str(caught.value)
    assert "\n" not in message and repr(text) in message
    assert message.startswith(("not a duration:", "a duration cannot be negative"))
    assert isinstance(caught.value, UsageError) and isinstance(caught.value, ValueError)


def test_zero_is_allowed_unless_positive_and_negative_never():
    assert parse_duration("0") == 0
    with pytest.raises(DurationError, match="a duration must be positive, got '0'"):
        parse_duration("0", positive=True)
    with pytest.raises(DurationError, match="a duration cannot be negative: '-3'"):
        parse_duration("-3")
    with pytest.raises(DurationError, match="a duration must be positive, got -3"):
        parse_duration(-3, positive=True)


@pytest.mark.parametrize("value", ["2w", "1h30m", "1d12h", "3600"])
def test_recrawl_after_takes_the_grammar(value):
    middleware = IncrementalMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVER_RECRAWL_AFTER": value}))
    assert middleware.recrawl_after.total_seconds() == parse_duration(value)


def test_recrawl_after_that_is_not_a_duration_is_a_usage_error():
    with pytest.raises(DurationError, match="not a duration: 'soon'"):
        IncrementalMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVER_RECRAWL_AFTER": "soon"}))


def test_revisit_policy_takes_the_grammar():
    assert parse_policy("1h,6h,1d,7d") == [3600, 21600, 86400, 604800]
    assert parse_policy("30m, 1h30m, 1d12h, 2w") == [1800, 5400, 129600, 1209600]
    with pytest.raises(PolicyError, match=r"^ARCHIVER_REVISIT_POLICY: not a duration: 'soon'"):
        parse_policy("1h,soon")


@pytest.mark.parametrize(("value", "seconds"), [("2w", 1209600.0), ("1h30m", 5400.0), ("90", 90.0)])
def test_schedule_time_limit_takes_the_grammar(tmp_path, value, seconds):
    env = {"ARCHIVER_HOME": str(tmp_path / "archive"), "ARCHIVER_DATABASE_URL": "", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, ["schedule", "add", "news", "--cron", "@daily", "--time-limit", value, "--json",
                                      "--", "--urls", "urls.txt"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["time_limit"] == seconds


def test_schedule_time_limit_of_zero_is_refused(tmp_path):
    env = {"ARCHIVER_HOME": str(tmp_path / "archive"), "ARCHIVER_DATABASE_URL": "", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, ["schedule", "add", "news", "--cron", "@daily", "--time-limit", "0",
                                      "--", "--urls", "urls.txt"], env=env)
    assert result.exit_code == 2 and result.stderr.strip() == "error: a duration must be positive, got '0'"
