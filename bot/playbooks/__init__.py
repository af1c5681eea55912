"""Guided recovery playbooks: YAML data (schema, loader), per-case progress (models, engine, service).

Domain code: no Slack imports. The Slack side lives in bot/slack/playbooks.py and
bot/slack/blocks/playbooks.py.
"""
