"""The web page: its HTML over the seeded corpus (FastAPI's test client), its Russian date labels,
and the real thing in Debian's headless Chromium driven by Selenium (load, filter by a model,
follow an event to its source, screenshots at phone and desktop widths).

Without Chromium the browser tests are skipped, with the reason; where ``CI`` or
``KB_REQUIRE_BROWSER`` is set they fail instead, since CI installs it (``.ci/install-tools``).
"""

from __future__ import annotations

import base64
import os
import shutil
import struct
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlmodel import Session

from api.main import create_app
from api.web import PAGE_SIZE
from kb import queries
from kb.dates import Modifier, Precision
from kb.db import get_engine
from kb.ingest import seed_paths
from kb.models import EventKind
from kb.date_labels import MONTHS_GENITIVE, date_label
from kb.pages import TextSegment, marked_segments, timeline_years
from kb.public import DatePublic
from kb.queries import TimelineFilter

# --- Russian dates and grouping --------------------------------------------------------------


def _date(start, end=None, precision=Precision.day, modifier=None, value=None) -> DatePublic:
    return DatePublic(start=start, end=end or start, precision=precision, modifier=modifier, text=None,
                      value=value, year_inferred=False, year_inference_reason=None)


@pytest.mark.parametrize(
    "when, label",
    [
        (_date(date(2023, 3, 3)), "3 марта 2023"),
        (_date(date(2023, 3, 3), modifier=Modifier.approx), "около 3 марта 2023"),
        (_date(date(2023, 3, 1), date(2023, 3, 31), Precision.month), "март 2023"),
        (_date(date(2023, 3, 1), date(2023, 3, 10), Precision.month, Modifier.start), "начало марта 2023"),
        (_date(date(2023, 3, 1), date(2023, 5, 31), Precision.season), "весна 2023"),
        (_date(date(2022, 12, 1), date(2023, 2, 28), Precision.season), "зима 2022/23"),
        (_date(date(2023, 4, 1), date(2023, 6, 30), Precision.quarter), "II квартал 2023"),
        (_date(date(2023, 7, 1), date(2023, 12, 31), Precision.half), "второе полугодие 2023"),
        (_date(date(2023, 1, 1), date(2023, 12, 31), Precision.year), "2023"),
        (_date(date(2023, 9, 1), date(2023, 12, 31), Precision.year, Modifier.end), "конец 2023 года"),
        (_date(date(2010, 1, 1), date(2019, 12, 31), Precision.decade), "2010-е"),
        (_date(date(2023, 3, 6), date(2023, 3, 12), Precision.week), "неделя с 6 марта 2023"),
        (_date(date(2023, 3, 1), date(2023, 3, 5), value="2023-03-01/2023-03-05"), "1–5 марта 2023"),
        (_date(date(2023, 2, 28), date(2023, 3, 3), value="2023-02-28/2023-03-03"), "28 февраля – 3 марта 2023"),
        (_date(date(2023, 1, 1), date(2023, 3, 31), Precision.month, value="2023-01/2023-03"), "январь–март 2023"),
        (_date(None, value="XXXX-09-19"), "19 сентября, год неизвестен"),
        (_date(None), "дата неизвестна"),
    ],
)
def test_dates_are_labelled_in_russian_at_their_precision(when, label):
    assert date_label(when) == label


def test_events_group_by_year_then_month_or_season_keeping_their_order(seeded_url):
    with Session(get_engine(seeded_url)) as session:
        events = list(queries.iter_timeline(session, TimelineFilter()))
    years = timeline_years(events)
    assert [e.id for y in years for s in y.sections for e in s.events] == [e.id for e in events]
    headings = [y.heading for y in years]
    assert len(headings) == len(set(headings)), "a year is split in two"
    assert {"2023", "2024"} <= set(headings)
    assert "Март" in [s.heading for y in years if y.heading == "2023" for s in y.sections]


def test_quotes_cut_the_text_into_marked_runs_even_when_they_overlap():
    text = "0123456789"
    assert marked_segments(text, [(2, 5), (4, 7)]) == [
        TextSegment("01", False, None),
        TextSegment("23", True, "q2"),
        TextSegment("4", True, "q4"),
        TextSegment("56", True, None),
        TextSegment("789", False, None),
    ]
    assert "".join(s.text for s in marked_segments(text, [(8, 99)])) == text


# --- the pages as HTML -----------------------------------------------------------------------


def _page(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def _event_ids(page) -> list[int]:
    return [int(li.get("id").removeprefix("event-")) for li in page.cssselect("li.event")]


def _expected_ids(seeded_url: str, filters: TimelineFilter, limit: int = PAGE_SIZE) -> list[int]:
    """The events of the first page of a timeline, as kb reads them."""
    with Session(get_engine(seeded_url)) as session:
        return [e.id for e in queries.timeline(session, filters, limit).items]


def test_the_page_draws_the_timeline_by_year_and_month(client, seeded_url):
    page = _page(client, "/")
    assert page.get("lang") == "ru"
    assert [h.text for h in page.cssselect("h1")] == ["Хроника событий"]
    years = [h.text_content() for h in page.cssselect(".year > h2")]
    assert {"2023", "2024"} <= set(years)
    assert _event_ids(page) == _expected_ids(seeded_url, TimelineFilter())
    for label in page.cssselect("form label[for]"):
        assert page.cssselect(f"#{label.get('for')}"), f"label for a missing field: {label.get('for')}"
    leak = next(li for li in page.cssselect("li.event") if "kind-leak" in li.get("class"))
    assert leak.cssselect(".badge.kind")[0].text_content() == "Утечка"
    assert leak.cssselect("a.entity.model") and leak.cssselect("a.entity.org")
    source = leak.cssselect(".source")[0]
    assert source.cssselect("blockquote")[0].text_content().strip()
    assert source.cssselect(".source-ref a")[0].get("href").startswith("/sources/")


def test_dates_show_their_precision_and_inferred_years_are_marked(client):
    page = _page(client, "/")
    days = [t for t in page.cssselect("time.event-date") if len(t.get("datetime")) == 10]
    assert days
    for day in days:
        when = date.fromisoformat(day.get("datetime"))
        assert day.text_content() == f"{when.day} {MONTHS_GENITIVE[when.month - 1]} {when.year}"
    inferred = [li for li in page.cssselect("li.event") if li.cssselect(".badge.inferred")]
    assert inferred, "the corpus has dates whose year was inferred"
    assert all(li.cssselect(".badge.inferred")[0].get("title") for li in inferred)


def test_entity_links_filter_the_timeline(client, seeded_url):
    page = _page(client, "/")
    link = page.cssselect("a.entity.model")[0]
    name = link.text_content()
    assert link.get("href") == "/?" + urlencode({"model": name})
    filtered = _page(client, link.get("href"))
    shown = _event_ids(filtered)
    assert shown == _expected_ids(seeded_url, TimelineFilter(models=(name,)))
    assert 0 < len(shown) < len(_event_ids(page))
    assert filtered.cssselect("#filter-model")[0].get("value") == name
    assert filtered.cssselect("details[open]"), "the filters are shown open when one is set"


def test_filters_and_search_box_select_the_same_events_as_the_api(client, seeded_url):
    kinds = _page(client, "/?kind=leak&kind=lawsuit&from=2023-01-01&to=2024-12-31&model=&org=")
    chosen = TimelineFilter(kinds=(EventKind.leak, EventKind.lawsuit), date_from=date(2023, 1, 1), date_to=date(2024, 12, 31))
    assert _event_ids(kinds) == _expected_ids(seeded_url, chosen)
    assert [c.get("value") for c in kinds.cssselect(".kinds input[checked]")] == ["leak", "lawsuit"]
    search = _page(client, "/?q=утечка")
    found = _event_ids(search)
    assert found and found == _expected_ids(seeded_url, TimelineFilter(q="утечка"))
    assert search.cssselect("#q")[0].get("value") == "утечка"


def test_csv_link_exports_the_timeline_on_the_page(client):
    page = _page(client, "/?model=LLaMA")
    (link,) = [a.get("href") for a in page.cssselect("a") if a.text_content() == "Скачать CSV"]
    assert link == "/timeline.csv?model=LLaMA"
    rows = client.get(link).text.splitlines()[1:]
    assert [int(row.split(",")[0]) for row in rows] == _event_ids(page)


def test_next_page_link_walks_the_timeline_with_the_keyset_cursor(client, seeded_url):
    everything = _expected_ids(seeded_url, TimelineFilter(organizations=("OpenAI",)), limit=1000)
    seen, url = [], "/?org=OpenAI&limit=3"
    while url:
        page = _page(client, url)
        seen += _event_ids(page)
        following = page.cssselect('a[rel="next"]')
        url = following[0].get("href") if following else None
        assert url is None or ("org=OpenAI" in url and "cursor=" in url)
    assert seen == everything and len(everything) > 3


@pytest.mark.parametrize(
    "query, message",
    [
        ("kind=rumour", "Неизвестный тип события"),
        ("from=March", "ГГГГ-ММ-ДД"),
        ("from=2024-01-01&to=2023-01-01", "позже"),
        ("cursor=not-a-cursor", "следующую страницу"),
        ("limit=0", "от 1 до"),
        ("limit=10000000000", "от 1 до"),
        ("q=" + "+".join("альфа бета гамма дельта эпсилон дзета эта тета йота каппа лямбда мю ню кси омикрон пи ро".split()),
         "поисковом запросе"),
    ],
)
def test_bad_parameters_show_the_page_with_a_message(client, query, message):
    page = _page(client, f"/?{query}", status=400)
    assert message in page.cssselect('[role="alert"]')[0].text_content()
    assert page.cssselect("form.filters")


def test_sql_in_the_search_box_is_only_words_to_look_for(client):
    page = _page(client, "/?q=%27%3B+DROP+TABLE+event%3B+--")
    assert _event_ids(page) == [] and page.cssselect(".empty")
    assert _event_ids(_page(client, "/"))


def test_source_page_marks_the_quotes_and_lists_the_events(client):
    event = client.get("/timeline").json()["items"][0]
    source = event["sources"][0]
    page = _page(client, f"/sources/{source['article_id']}")
    assert page.cssselect("h1")[0].text_content() == source["title"]
    mark = page.get_element_by_id(f"q{source['char_start']}")
    assert mark.tag == "mark"
    marked = "".join(m.text_content() for m in page.cssselect("mark"))
    assert source["quote"] in marked
    assert event["id"] in _event_ids(page)


def test_unknown_source_is_a_404_page(client):
    page = _page(client, "/sources/999999", status=404)
    assert "999999" in page.cssselect("main")[0].text_content()


def test_static_stylesheet_is_served(client):
    response = client.get("/static/kb.css")
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]


HOSTILE_TITLE = "<script>alert('title')</script> OpenAI выпустила GPT-4"


def test_markup_in_articles_is_shown_as_text(db_url, tmp_path):
    article = tmp_path / "hostile.txt"
    article.write_text(
        f"{HOSTILE_TITLE}\n"
        "14 марта 2023 года компания OpenAI выпустила языковую модель GPT-4 <img src=x onerror=alert(1)>.\n",
        encoding="utf-8",
    )
    assert not seed_paths(get_engine(db_url), [article]).failed
    with TestClient(create_app(db_url)) as client:
        timeline = client.get("/").text
        article_id = client.get("/timeline").json()["items"][0]["sources"][0]["article_id"]
        source = client.get(f"/sources/{article_id}").text
    for text in (timeline, source):
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in source
    assert html.fromstring(source).cssselect("h1")[0].text_content() == HOSTILE_TITLE


# --- the page in a real browser --------------------------------------------------------------

PHONE_WIDTH, DESKTOP_WIDTH, SCREEN_HEIGHT = 390, 1280, 900


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


def _no_browser(reason: str):
    if _flag("CI") or _flag("KB_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and CI (or KB_REQUIRE_BROWSER) requires the browser test: run .ci/install-tools")
    pytest.skip(f"{reason}; install it with .ci/install-tools (Debian: apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through the system chromedriver; never selenium-manager, never a download."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _no_browser("selenium is not installed (pip install -e '.[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        _no_browser("Chromium or chromedriver is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--lang=ru-RU", f"--window-size={DESKTOP_WIDTH},{SCREEN_HEIGHT}",
    ):
        options.add_argument(argument)
    with pytest.MonkeyPatch.context() as patch:
        # A driver path given explicitly skips selenium-manager; offline mode makes sure of it.
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _screenshot(driver, path: Path, width: int, full_page: bool = True) -> None:
    """A PNG of the page at ``width`` CSS pixels (a phone emulated below 500), checked to fit that width.

    Whole pages, or the first screen only: the unfiltered timeline is many screens long.
    """
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": SCREEN_HEIGHT, "deviceScaleFactor": 1, "mobile": width < 500},
    )
    try:
        scroll_width, height = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert scroll_width <= width, f"{driver.current_url} is {scroll_width}px wide on a {width}px screen"
        height = height if full_page else SCREEN_HEIGHT
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": full_page,
             "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
        )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == (width, height)
    path.write_bytes(png)


def _screenshots(driver, directory: Path, name: str, full_page: bool = True) -> dict[str, Path]:
    paths = {"desktop": directory / f"{name}.png", "phone": directory / f"{name}-phone.png"}
    _screenshot(driver, paths["desktop"], DESKTOP_WIDTH, full_page)
    _screenshot(driver, paths["phone"], PHONE_WIDTH, full_page)
    return paths


def _click(driver, element) -> None:
    # Centred first, so that the sticky year heading cannot cover it.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _wait_for_url(driver, part: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: part in d.current_url)


def test_in_a_browser_filter_by_a_model_and_follow_an_event_to_its_source(browser, live_url, seeded_url, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(live_url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    years = [h.get_attribute("textContent") for h in browser.find_elements(By.CSS_SELECTOR, ".year > h2")]
    assert {"2023", "2024"} <= set(years)
    assert browser.find_elements(By.CSS_SELECTOR, ".period > h3")
    everything = browser.find_elements(By.CSS_SELECTOR, "li.event")
    assert len(everything) == len(_expected_ids(seeded_url, TimelineFilter()))
    _screenshots(browser, tmp_path, "timeline", full_page=False)

    # LLaMA, the founding story: released, then leaked on 4chan a week later.
    _click(browser, browser.find_element(By.CSS_SELECTOR, "li.event a.entity.model[href='/?model=LLaMA']"))
    _wait_for_url(browser, "model=LLaMA")
    shown = [int(li.get_attribute("id").removeprefix("event-")) for li in browser.find_elements(By.CSS_SELECTOR, "li.event")]
    assert shown == _expected_ids(seeded_url, TimelineFilter(models=("LLaMA",)))
    assert 0 < len(shown) < len(everything)
    for event in browser.find_elements(By.CSS_SELECTOR, "li.event"):
        assert any("llama" in a.text.lower() for a in event.find_elements(By.CSS_SELECTOR, "a.entity.model"))
    assert browser.find_element(By.ID, "filter-model").get_attribute("value") == "LLaMA"
    filtered = _screenshots(browser, tmp_path, "model")

    first = browser.find_element(By.CSS_SELECTOR, "li.event")
    quote = first.find_element(By.CSS_SELECTOR, ".source blockquote").get_attribute("textContent")
    _click(browser, first.find_element(By.CSS_SELECTOR, ".source-ref a"))
    _wait_for_url(browser, "/sources/")
    anchor = browser.current_url.partition("#")[2]
    mark = browser.find_element(By.ID, anchor)
    assert mark.tag_name == "mark"
    assert quote in "".join(m.get_attribute("textContent") for m in browser.find_elements(By.TAG_NAME, "mark"))
    background = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", mark)
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "the quote is not highlighted"
    _screenshots(browser, tmp_path, "source")

    if os.environ.get("KB_SCREENSHOT_DIR"):
        # The README's pictures: the timeline of one model, at desktop and phone widths.
        target = Path(os.environ["KB_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(filtered["desktop"], target / "screenshot.png")
        shutil.copyfile(filtered["phone"], target / "screenshot-phone.png")
