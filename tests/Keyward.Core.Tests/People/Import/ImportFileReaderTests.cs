using Keyward.People.Import;

namespace Keyward.Tests.People.Import;

public class ImportFileReaderTests
{
    [Theory]
    [InlineData(ImportFormat.Csv, "\uFEFFlogonName,name,email,group\ncarol,Carol,carol@acme.test,Acme\n")]
    [InlineData(ImportFormat.Json, "\uFEFF[{\"logonName\": \"carol\", \"name\": \"Carol\", \"email\": \"carol@acme.test\", \"group\": \"Acme\"}]")]
    public void Read_FileStartingWithByteOrderMark_ReadsLikeWithout(ImportFormat format, string content)
    {
        var rows = ImportText.Read(content, format);

        Assert.True(rows.IsSuccess, rows.Error?.Detail);
        Assert.Equal("carol", Assert.Single(rows.Value).LogonName);
    }

    [Fact]
    public void Read_CsvHeaderNamingAColumnTwice_RefusedNamingTheColumn()
    {
        var rows = ImportText.Read("logonName,name,email,group,Name\ncarol,Carol,carol@acme.test,Acme,Other\n", ImportFormat.Csv);

        Assert.False(rows.IsSuccess);
        Assert.Equal("people.import_invalid", rows.Error.Code);
        Assert.Contains("'name'", rows.Error.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Read_GoodCsv_OneRowPerLineNamedByLine()
    {
        const string csv = """
            logonName,name,email,group,enabled
            carol,Carol Payne,carol@acme.test,Acme/Finance/Payroll,true
            dave,Dave Engel,dave@acme.test,Acme/Engineering,
            """;

        var rows = ImportText.Read(csv, ImportFormat.Csv).Value;

        Assert.Equal(
            [
                new ImportRow("Line 2", "carol", "Carol Payne", "carol@acme.test", "Acme/Finance/Payroll", "true"),
                new ImportRow("Line 3", "dave", "Dave Engel", "dave@acme.test", "Acme/Engineering", string.Empty),
            ],
            rows);
    }

    [Fact]
    public void Read_CsvColumnsInAnyOrderAndCase_MappedByHeader()
    {
        const string csv = """
            EMAIL,Group,logonname,Name
            carol@acme.test,Acme/Finance,carol,Carol
            """;

        var row = Assert.Single(ImportText.Read(csv, ImportFormat.Csv).Value);

        Assert.Equal(new ImportRow("Line 2", "carol", "Carol", "carol@acme.test", "Acme/Finance", null), row);
    }

    [Fact]
    public void Read_CsvWithQuotedCommas_KeepsFieldWhole()
    {
        const string csv = "logonName,name,email,group\n" +
                           "carol,\"Payne, Carol \"\"CP\"\"\",carol@acme.test,Acme/Finance\n";

        var row = Assert.Single(ImportText.Read(csv, ImportFormat.Csv).Value);

        Assert.Equal("Payne, Carol \"CP\"", row.Name);
        Assert.Equal("Acme/Finance", row.Group);
    }

    [Fact]
    public void Read_CsvWithBlankLines_SkipsThem()
    {
        const string csv = "logonName,name,email,group\n\ncarol,Carol,carol@acme.test,Acme\n,,,\n";

        var row = Assert.Single(ImportText.Read(csv, ImportFormat.Csv).Value);

        Assert.Equal("carol", row.LogonName);
    }

    [Fact]
    public void Read_CsvWithUnterminatedQuote_RefusedInsteadOfSwallowingLaterRows()
    {
        // The quote opened before "Acme" never closes: read leniently, dave's row vanished into carol's group.
        const string csv = "logonName,name,email,group\n" +
                           "carol,Carol,carol@acme.test,\"Acme\n" +
                           "dave,Dave,dave@acme.test,Acme\n";

        var result = ImportText.Read(csv, ImportFormat.Csv);

        Assert.Equal("people.import_invalid", result.Error?.Code);
        Assert.Contains("the CSV cannot be read", result.Error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CsvWithStrayQuoteInsideField_RefusedNamingLine()
    {
        const string csv = "logonName,name,email,group\n" +
                           "carol,Carol,carol@acme.test,Acme\n" +
                           "dave,\"Dave\" Engel\",dave@acme.test,Acme\n";

        var error = ImportText.Read(csv, ImportFormat.Csv).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.StartsWith("Line 3: the CSV cannot be read", error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CsvUnknownColumn_NamesColumnOnLineOne()
    {
        const string csv = """
            logonName,name,mail,group
            carol,Carol,carol@acme.test,Acme
            """;

        var error = ImportText.Read(csv, ImportFormat.Csv).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.StartsWith("Line 1: unknown column 'mail'", error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CsvRowWithMoreFieldsThanHeader_NamesLine()
    {
        const string csv = """
            logonName,name,email,group
            carol,Carol,carol@acme.test,Acme
            dave,Dave,dave@acme.test,Acme,extra
            """;

        var error = ImportText.Read(csv, ImportFormat.Csv).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.StartsWith("Line 3: 5 fields", error?.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void Read_EmptyCsv_Invalid(string content)
    {
        var error = ImportText.Read(content, ImportFormat.Csv).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.Contains("empty", error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CsvHeaderOnly_NoRows()
    {
        Assert.Empty(ImportText.Read("logonName,name,email,group\n", ImportFormat.Csv).Value);
    }

    [Fact]
    public void Read_GoodJsonArray_OneRowPerItemNamedByItem()
    {
        const string json = """
            [
              {"logonName": "carol", "name": "Carol Payne", "email": "carol@acme.test", "group": "Acme/Finance/Payroll", "enabled": true},
              {"logonName": "erin", "name": "Erin", "email": "erin@acme.test", "group": "Acme/Finance", "enabled": false},
              {"LOGONNAME": "dave", "name": "Dave", "email": null, "group": "Acme/Engineering"}
            ]
            """;

        var rows = ImportText.Read(json, ImportFormat.Json).Value;

        Assert.Equal(
            [
                new ImportRow("Item 1", "carol", "Carol Payne", "carol@acme.test", "Acme/Finance/Payroll", "true"),
                new ImportRow("Item 2", "erin", "Erin", "erin@acme.test", "Acme/Finance", "false"),
                new ImportRow("Item 3", "dave", "Dave", null, "Acme/Engineering", null),
            ],
            rows);
    }

    [Fact]
    public void Read_JsonObjectWithPeopleArray_Read()
    {
        const string json = """{"people": [{"logonName": "carol", "name": "Carol", "email": "carol@acme.test", "group": "Acme"}]}""";

        var row = Assert.Single(ImportText.Read(json, ImportFormat.Json).Value);

        Assert.Equal("carol", row.LogonName);
    }

    [Theory]
    [InlineData("name", "5", "a string")]
    [InlineData("logonName", "true", "a string")]
    [InlineData("group", "[\"Acme\"]", "a string")]
    [InlineData("email", "{}", "a string")]
    [InlineData("enabled", "1", "true or false")]
    public void Read_JsonFieldOfWrongType_NamesItemAndField(string field, string value, string expected)
    {
        var json = $$"""
            [
              {"logonName": "carol", "name": "Carol", "email": "carol@acme.test", "group": "Acme"},
              {"logonName": "dave", "name": "Dave", "email": "dave@acme.test", "group": "Acme", "{{field}}": {{value}}}
            ]
            """;

        var error = ImportText.Read(json, ImportFormat.Json).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.Equal($"Item 2: field '{field}' must be {expected}.", error?.Detail);
    }

    [Fact]
    public void Read_JsonUnknownField_NamesItemAndField()
    {
        const string json = """[{"logonName": "carol", "name": "Carol", "mail": "carol@acme.test", "group": "Acme"}]""";

        var error = ImportText.Read(json, ImportFormat.Json).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.StartsWith("Item 1: unknown field 'mail'", error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_JsonItemNotAnObject_NamesItem()
    {
        var error = ImportText.Read("""[{"logonName": "carol"}, "dave"]""", ImportFormat.Json).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.StartsWith("Item 2: expected an object", error?.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"logonName": "carol"}""")]
    [InlineData("""{"persons": []}""")]
    [InlineData("42")]
    public void Read_JsonRootNotAnArray_Invalid(string json)
    {
        var error = ImportText.Read(json, ImportFormat.Json).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.Contains("must be an array", error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedJson_NamesLine()
    {
        const string json = "[\n  {\"logonName\": \"carol\",\n  {\"logonName\": \"dave\"}\n]";

        var error = ImportText.Read(json, ImportFormat.Json).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.Equal("Line 3: the file is not valid JSON.", error?.Detail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_EmptyJson_Invalid(string content)
    {
        var error = ImportText.Read(content, ImportFormat.Json).Error;

        Assert.Equal("people.import_invalid", error?.Code);
        Assert.Contains("not valid JSON", error?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyJsonArray_NoRows()
    {
        Assert.Empty(ImportText.Read("[]", ImportFormat.Json).Value);
    }

    [Fact]
    public void Read_UnknownFormat_Invalid()
    {
        Assert.Equal("people.import_invalid", ImportText.Read("[]", (ImportFormat)9).Error?.Code);
    }

    [Theory]
    [InlineData("people.csv", ImportFormat.Csv)]
    [InlineData("PEOPLE.CSV", ImportFormat.Csv)]
    [InlineData("text/csv; charset=utf-8", ImportFormat.Csv)]
    [InlineData("people.json", ImportFormat.Json)]
    [InlineData("application/json", ImportFormat.Json)]
    [InlineData("people.xlsx", null)]
    public void FormatFor_FileNameOrContentType_Recognised(string value, ImportFormat? expected)
    {
        Assert.Equal(expected, ImportFileReader.FormatFor(value));
    }
}
