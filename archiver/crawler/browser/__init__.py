"""The browser lane: pages that need JavaScript, rendered by Chromium whose every request goes through Scrapy.

``chromium`` owns the browser process, ``routing`` answers the browser's requests with Scrapy's
downloader, ``behaviour`` waits, scrolls and closes consent dialogs, ``lane`` decides which pages
go to the browser and keeps what it rendered.
"""
