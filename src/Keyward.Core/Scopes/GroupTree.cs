using Keyward.People;

namespace Keyward.Scopes;

/// <summary>
/// An immutable snapshot of the group tree, answering "which groups lie beneath this one". Thread-safe.
/// Groups are few (hundreds to low thousands), so the whole tree is held in memory.
/// </summary>
public sealed class GroupTree
{
    private readonly Dictionary<string, Group> _byId;
    private readonly Dictionary<string, List<string>> _children;
    private readonly Dictionary<string, Group> _byPath;

    public GroupTree(IEnumerable<Group> groups)
    {
        _byId = groups.ToDictionary(g => g.Id, StringComparer.Ordinal);
        _children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        _byPath = new Dictionary<string, Group>(_byId.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var group in _byId.Values)
        {
            _byPath.TryAdd(group.Path, group);
        }

        foreach (var group in _byId.Values.Where(g => g.ParentId is not null))
        {
            if (!_children.TryGetValue(group.ParentId!, out var list))
            {
                _children[group.ParentId!] = list = [];
            }

            list.Add(group.Id);
        }
    }

    public IReadOnlyCollection<Group> Groups => _byId.Values;

    public Group? Find(string groupId) => _byId.GetValueOrDefault(groupId);

    public Group? FindByPath(string path) => _byPath.GetValueOrDefault(path);

    /// <summary>The group and every group beneath it. Unknown ids yield just themselves.</summary>
    public IEnumerable<string> Subtree(string groupId)
    {
        var pending = new Stack<string>();
        pending.Push(groupId);
        while (pending.TryPop(out var current))
        {
            yield return current;
            if (_children.TryGetValue(current, out var children))
            {
                foreach (var child in children)
                {
                    pending.Push(child);
                }
            }
        }
    }
}
