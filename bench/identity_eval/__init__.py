"""A held-out labelled population for identity resolution, and a runner that scores the product."""
