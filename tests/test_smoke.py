from app.auth.roles import Role


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="login"' in response.text and 'name="password"' in response.text


def test_every_role_reaches_its_home(client, login_as):
    user = login_as(Role.EXCHANGE_STAFF)
    response = client.get("/home")
    assert response.status_code == 200
    assert user.organisation.name in response.text
