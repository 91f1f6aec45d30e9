"""The daily patrol (日巡查): each night the latest crawl judged as of the day, with warnings of
what falls due within the horizon; compared with the night before (`zwgk patrol`)."""
