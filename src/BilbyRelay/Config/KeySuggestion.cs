namespace BilbyRelay.Config;

/// <summary>Finds the known key closest to a misspelt one, for "did you mean" hints.</summary>
public static class KeySuggestion
{
    private const int MaxDistance = 3;

    public static string? Closest(string unknown)
    {
        string? best = null;
        var bestDistance = MaxDistance + 1;
        foreach (var key in ConfigKeys.All)
        {
            var distance = Distance(unknown, key.Name);
            if (distance < bestDistance)
            {
                best = key.Name;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance; keys are short, so the quadratic cost does not matter.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
