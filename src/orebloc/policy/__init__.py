"""The bloc's instruments (DESIGN.md §7): reference prices, the adjustable tariff schedule and their comparison.

- :mod:`orebloc.policy.costs`            producer and project cost data (levelised cost)
- :mod:`orebloc.policy.reference_price`  incentive price, cost-plus, trailing average
- :mod:`orebloc.policy.schedule`         the variable levy by HS line, period and origin
- :mod:`orebloc.policy.points`           public reference points (quoted floors), each sourced
- :mod:`orebloc.policy.compare`          instruments compared on one scenario and the same draws
"""
