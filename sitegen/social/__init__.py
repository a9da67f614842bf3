"""Crossposting (POSSE): share published posts on Mastodon and Bluesky and write the links
back into their front matter. `crosspost.py` runs it; the rest are its parts."""
