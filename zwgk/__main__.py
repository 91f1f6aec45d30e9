from zwgk.cli import app

app()
