"""``python -m bench`` (``make bench``): every benchmark, one after the other."""

from bench import science, webhook

science.main()
webhook.main([])
