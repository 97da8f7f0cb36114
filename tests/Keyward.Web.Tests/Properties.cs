// One browser and one server per class, and two cores: the classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
