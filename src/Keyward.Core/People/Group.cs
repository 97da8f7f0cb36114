namespace Keyward.People;

/// <summary>A node of the organisation's group tree, e.g. <c>Acme/Finance/Payroll</c>.</summary>
public sealed class Group
{
    /// <summary>The separator of <see cref="Path"/>; a group name may not contain it.</summary>
    public const char PathSeparator = '/';

    private Group()
    {
        Id = Name = Path = string.Empty;
    }

    public Group(string id, string name, Group? parent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(PathSeparator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A group name may not contain '{PathSeparator}'.", nameof(name));
        }

        Id = id;
        Name = name;
        ParentId = parent?.Id;
        Path = parent is null ? name : parent.Path + PathSeparator + name;
    }

    public string Id { get; private set; }

    public string Name { get; private set; }

    /// <summary>The parent group, or null for a root.</summary>
    public string? ParentId { get; private set; }

    /// <summary>The full path from the root, unique across the tree.</summary>
    public string Path { get; private set; }
}
