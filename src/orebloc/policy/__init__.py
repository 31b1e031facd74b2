"""The bloc's instruments (DESIGN.md §7): reference prices and the adjustable tariff schedule.

- :mod:`orebloc.policy.costs`            producer and project cost data (levelised cost)
- :mod:`orebloc.policy.reference_price`  incentive price, cost-plus, trailing average
- :mod:`orebloc.policy.schedule`         the variable levy by HS line, period and origin
"""
