using System.Globalization;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>One key of the guest's user keyring, as labtool keys prints it.</summary>
public sealed record LabKey(int Serial, string Type, uint Permissions, byte[] Description, byte[] Payload, int Size, string Errno)
{
    public string DescriptionText => System.Text.Encoding.UTF8.GetString(Description);

    public static IReadOnlyList<LabKey> Parse(LabResult result)
    {
        var keys = new List<LabKey>();
        foreach (string answer in result.Answers.Where(a => a.StartsWith("key ", StringComparison.Ordinal)))
        {
            string[] f = answer.Split(' ');
            // key serial N type T perm P desc HEX size N errno E payload HEX
            string Field(string name)
            {
                int i = Array.IndexOf(f, name);
                return i >= 0 && i + 1 < f.Length ? f[i + 1] : "";
            }

            keys.Add(new LabKey(
                int.Parse(Field("serial"), CultureInfo.InvariantCulture),
                Field("type"),
                uint.Parse(Field("perm"), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                Convert.FromHexString(Field("desc")),
                Convert.FromHexString(Field("payload")),
                int.Parse(Field("size"), CultureInfo.InvariantCulture),
                Field("errno")));
        }

        return keys;
    }
}
