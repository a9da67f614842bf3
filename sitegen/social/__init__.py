"""Mastodon and Bluesky. Crossposting (POSSE): share published posts and write the links back
into their front matter; `crosspost.py` runs it, the rest are its parts. `replies.py` is the
read side: where the theme's replies script fetches a post's conversation from."""
