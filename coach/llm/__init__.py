"""The Gemini coach: free-form answers grounded in the rules coach and in tools scoped to one user.

Everything here is optional: without a key (or while Gemini is failing) the bot answers from the rules
coach. `client` talks to Gemini (retries, deadline, circuit); `tools` are the only way the model reads
data, always the asking user's; `answer` runs one question; `daily` the structured daily suggestion;
`narrate` is the small entry point reports use for their prose.
"""
