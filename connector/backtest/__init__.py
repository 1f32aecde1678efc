"""Backtest and fit: do high scores convert, and which points would the outcomes give?"""
