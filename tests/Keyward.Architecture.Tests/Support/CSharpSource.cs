using System.Text.RegularExpressions;

namespace Keyward.Architecture.Tests.Support;

/// <summary>
/// Just enough C# lexing for source conventions: what is code, and what is a comment or the text of a literal.
/// No parser and no Roslyn: the conventions look for short, unambiguous spellings.
/// </summary>
internal static class CSharpSource
{
    /// <summary>
    /// The text with comments and the contents of string and character literals replaced by spaces, line breaks
    /// kept, so it has the same length and the same line numbers. Code inside interpolation holes
    /// (<c>$"{DateTime.Now}"</c>) stays: it runs.
    /// </summary>
    public static string CodeOnly(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lexer = new Lexer(text);
        lexer.Code(closingBraces: 0);
        return lexer.Result;
    }

    /// <summary>Every match of <paramref name="pattern"/> in the code (not comments, not literals) of the files, as <c>path:line: text</c>.</summary>
    public static IEnumerable<string> Find(IEnumerable<string> files, Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var code = CodeOnly(text);
            foreach (Match match in pattern.Matches(code))
            {
                yield return $"{Repository.Relative(file)}:{LineOf(text, match.Index)}: {Line(text, match.Index).Trim()}";
            }
        }
    }

    public static int LineOf(string text, int offset) => text.AsSpan(0, offset).Count('\n') + 1;

    private static string Line(string text, int offset)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1;
        var end = text.IndexOf('\n', offset);
        return text[start..(end < 0 ? text.Length : end)];
    }

    private sealed class Lexer(string text)
    {
        private readonly char[] _output = text.ToCharArray();
        private int _i;

        public string Result => new(_output);

        /// <summary>Reads code to the end, or inside an interpolation hole to the <c>}</c> that closes it (not consumed).</summary>
        public void Code(int closingBraces)
        {
            var depth = 0;
            while (_i < text.Length)
            {
                var c = text[_i];
                if (c == '/' && Peek(1) == '/')
                {
                    while (_i < text.Length && text[_i] != '\n')
                    {
                        Blank(_i++);
                    }
                }
                else if (c == '/' && Peek(1) == '*')
                {
                    var end = text.IndexOf("*/", _i + 2, StringComparison.Ordinal);
                    end = end < 0 ? text.Length : end + 2;
                    while (_i < end)
                    {
                        Blank(_i++);
                    }
                }
                else if (c == '\'')
                {
                    CharacterLiteral();
                }
                else if (StringStart() is { } start)
                {
                    StringLiteral(start);
                }
                else
                {
                    if (closingBraces > 0 && c == '{')
                    {
                        depth++;
                    }
                    else if (closingBraces > 0 && c == '}' && depth-- == 0)
                    {
                        return;
                    }

                    _i++;
                }
            }
        }

        private (int Dollars, bool Verbatim, int Quotes, int PrefixLength)? StringStart()
        {
            var j = _i;
            var dollars = 0;
            var verbatim = false;
            while (j < text.Length && (text[j] == '$' || text[j] == '@'))
            {
                dollars += text[j] == '$' ? 1 : 0;
                verbatim |= text[j] == '@';
                j++;
            }

            if (j >= text.Length || text[j] != '"')
            {
                return null;
            }

            var quotes = Run(j, '"');
            return (dollars, verbatim, quotes >= 3 && !verbatim ? quotes : 1, j - _i);
        }

        private void StringLiteral((int Dollars, bool Verbatim, int Quotes, int PrefixLength) s)
        {
            _i += s.PrefixLength + s.Quotes;
            var raw = s.Quotes >= 3;
            while (_i < text.Length)
            {
                var c = text[_i];
                if (raw && c == '"' && Run(_i, '"') >= s.Quotes)
                {
                    _i += s.Quotes;
                    return;
                }

                if (!raw && c == '"')
                {
                    if (s.Verbatim && Peek(1) == '"')
                    {
                        Blank(_i++);
                        Blank(_i++);
                        continue;
                    }

                    _i++;
                    return;
                }

                if (!raw && !s.Verbatim && c == '\\')
                {
                    Blank(_i++);
                    Blank(_i++);
                    continue;
                }

                if (!raw && !s.Verbatim && c == '\n')
                {
                    return; // Unterminated: leave the rest to the compiler.
                }

                if (s.Dollars > 0 && c == '{')
                {
                    var braces = Run(_i, '{');
                    var opening = raw ? s.Dollars : 1;
                    if (!raw && braces >= 2)
                    {
                        Blank(_i++);
                        Blank(_i++);
                        continue;
                    }

                    if (braces >= opening)
                    {
                        for (var k = 0; k < braces - opening; k++)
                        {
                            Blank(_i++);
                        }

                        _i += opening;
                        Code(closingBraces: opening);
                        _i = Math.Min(text.Length, _i + opening);
                        continue;
                    }
                }

                Blank(_i++);
            }
        }

        private void CharacterLiteral()
        {
            _i++;
            while (_i < text.Length && text[_i] != '\'' && text[_i] != '\n')
            {
                if (text[_i] == '\\')
                {
                    Blank(_i++);
                }

                Blank(_i++);
            }

            _i++;
        }

        private int Run(int from, char c)
        {
            var end = from;
            while (end < text.Length && text[end] == c)
            {
                end++;
            }

            return end - from;
        }

        private char Peek(int ahead) => _i + ahead < text.Length ? text[_i + ahead] : '\0';

        private void Blank(int index)
        {
            if (index < _output.Length && _output[index] is not ('\n' or '\r'))
            {
                _output[index] = ' ';
            }
        }
    }
}
