"""The query service: the answers to every follow-up command, with no Discord in sight.

Cogs render its result objects as embeds and the terminal console renders them as text
(`bot.query.text`), so both give the same answers.
"""
