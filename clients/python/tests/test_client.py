"""ParleyClient and AsyncParleyClient construction."""

from __future__ import annotations

import asyncio

import pytest

from parley import AsyncParleyClient, ParleyClient


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("localhost:8080", "scheme must be http or https"),
        ("ftp://parley.example.com", "scheme must be http or https"),
        ("http://", "has no host"),
        ("http:///path", "has no host"),
        ("https://parley.example.com/?x=1", "must not have a query or fragment"),
        ("https://parley.example.com/#top", "must not have a query or fragment"),
        ("http://localhost:99999", "base URL"),
    ],
)
def test_rejects_bad_base_urls(base_url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ParleyClient(base_url, "tok")
    with pytest.raises(ValueError, match=problem):
        AsyncParleyClient(base_url, "tok")


def test_rejects_headers_with_line_breaks() -> None:
    with pytest.raises(ValueError, match="token contains a line break"):
        ParleyClient("http://localhost:8080", "tok\r\nX-Evil: 1")
    with pytest.raises(ValueError, match="user agent contains a line break"):
        ParleyClient("http://localhost:8080", "tok", user_agent="a\nb")


def test_rejects_a_non_positive_idle_timeout() -> None:
    with pytest.raises(ValueError, match="stream_idle_timeout"):
        ParleyClient("http://localhost:8080", "tok", stream_idle_timeout=0)


def test_accepts_path_prefixes_and_closes_twice() -> None:
    with ParleyClient("https://example.com/parley/", "tok", stream_idle_timeout=None) as c:
        assert c.workflows is not None and c.sessions is not None and c.agent is not None
    c.close()

    async def run() -> None:
        async with AsyncParleyClient("http://127.0.0.1:1", "") as a:
            assert a.sessions is not None
        await a.close()

    asyncio.run(run())
