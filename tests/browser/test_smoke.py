from tests.browser.conftest import log_in


def test_phoner_logs_in_and_lands_on_the_dialer(new_page, phoner, campaign):
    page = new_page()

    log_in(page, phoner.username)

    assert page.url.endswith("/dialer/")
    assert page.get_by_text(campaign.name).is_visible()
