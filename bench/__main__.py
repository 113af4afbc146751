"""``python -m bench`` (``make bench``): every benchmark, one after the other."""

from bench import brief, ingest, plan, science, today, webhook

science.main()
plan.main()
webhook.main([])
ingest.main([])
brief.main([])
today.main([])
