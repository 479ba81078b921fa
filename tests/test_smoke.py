"""The walking skeleton: a coordinator signs in and sees the dashboard."""


def test_coordinator_sees_dashboard_in_japanese(client, auth, users, make_supporter):
    make_supporter()
    response = auth.login("coordinator@example.jp", follow_redirects=True)
    assert response.status_code == 200
    assert "/dashboard/" in response.request.path
    page = response.get_data(as_text=True)
    assert 'data-testid="certified">2<' in page
