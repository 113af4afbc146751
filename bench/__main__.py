"""``python -m bench`` (``make bench``): every benchmark, one after the other."""

from bench import ingest, science, webhook

science.main()
webhook.main([])
ingest.main([])
