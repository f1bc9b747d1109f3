"""Notifications: the message catalogue, the outbox events, the channels (SMTP, 企业微信/钉钉 robots) and the sender."""
