"""Reusable widgets that lesson pages compose. They draw arrays they are given; no model math."""
