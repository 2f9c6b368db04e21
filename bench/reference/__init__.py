"""The reference toy network written three ways, copied from the design card.

Source: `shared/bench-reference/` of the tungsten-sim design card (toy_network.py,
simpy_toy.py, supplynetpy_toy.py). Each copy names its changes in its header; the models
themselves (flows, random draws, event counts) are unchanged.
"""
