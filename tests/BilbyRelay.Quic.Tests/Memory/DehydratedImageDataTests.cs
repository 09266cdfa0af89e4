using System.Buffers.Binary;
using System.Text;
using BilbyRelay.Quic.Native;
using Xunit;

namespace BilbyRelay.Quic.Tests.Memory;

public sealed class DehydratedImageDataTests : IDisposable
{
    private const ulong ModulesAddress = 0x9719f8;
    private readonly string _directory = Directory.CreateTempSubdirectory("dehydrated-image-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Release_InAProcessWithoutNativeAotRuntimeData_ReleasesNothing()
    {
        // The test host runs under the JIT: its executable has no __modules section, so nothing may be discarded.
        Assert.Null(DehydratedImageData.Release());
    }

    [Fact]
    public void ReadImageHeaders_ImageWithModulesSection_FindsItsAddressAndProgramHeaders()
    {
        var image = ReadImageHeaders(Elf(sectionNames: [".text", "__modules", ".data"]));

        Assert.NotNull(image);
        Assert.Equal(ModulesAddress, image.Value.ModulesAddress);
        Assert.Equal(0x38, image.Value.EntrySize);
        Assert.Equal(2 * 0x38, image.Value.ProgramHeaders.Length);
    }

    [Fact]
    public void ReadImageHeaders_ImageWithoutModulesSection_Null()
    {
        Assert.Null(ReadImageHeaders(Elf(sectionNames: [".text", "__modules_not", ".data"])));
    }

    public static TheoryData<string, Func<byte[], byte[]>> Damaged => new()
    {
        { "empty file", _ => [] },
        { "cut inside the ELF header", elf => elf[..40] },
        { "not ELF", elf => [.. "MZ"u8, .. elf[2..]] },
        { "32-bit", elf => With(elf, 4, 1) },
        { "big-endian", elf => With(elf, 5, 2) },
        { "section table past the end", elf => With64(elf, 0x28, (ulong)elf.Length - 8) },
        { "section table offset beyond any file", elf => With64(elf, 0x28, ulong.MaxValue - 4) },
        { "65535 section headers", elf => With16(elf, 0x3C, ushort.MaxValue) },
        { "tiny entries", elf => With16(elf, 0x3A, 8) },
        { "name table index out of range", elf => With16(elf, 0x3E, 200) },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void ReadImageHeaders_DamagedImage_NullWithoutThrowing(string damage, Func<byte[], byte[]> spoil)
    {
        Assert.True(ReadImageHeaders(spoil(Elf(sectionNames: [".text", "__modules"]))) is null, damage);
    }

    [Fact]
    public void ReadImageHeaders_MissingFile_Null()
    {
        Assert.Null(DehydratedImageData.ReadImageHeaders(Path.Combine(_directory, "missing")));
    }

    private (byte[] ProgramHeaders, int EntrySize, ulong ModulesAddress)? ReadImageHeaders(byte[] image)
    {
        var path = Path.Combine(_directory, $"image-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, image);
        return DehydratedImageData.ReadImageHeaders(path);
    }

    /// <summary>
    /// A minimal 64-bit little-endian ELF: header, two program headers (PT_PHDR, PT_LOAD), a name table and one section
    /// header per name plus the name table's own, last. The section called <c>__modules</c> sits at <see cref="ModulesAddress"/>.
    /// </summary>
    private static byte[] Elf(string[] sectionNames)
    {
        const int headerSize = 64, programHeaderSize = 0x38, sectionHeaderSize = 0x40;
        var names = new MemoryStream();
        names.WriteByte(0);
        var nameOffsets = new List<int>();
        foreach (var name in sectionNames.Append(".shstrtab"))
        {
            nameOffsets.Add((int)names.Length);
            names.Write(Encoding.ASCII.GetBytes(name + "\0"));
        }

        var namesOffset = headerSize + (2 * programHeaderSize);
        var sectionsOffset = namesOffset + (int)names.Length;
        var image = new byte[sectionsOffset + (nameOffsets.Count * sectionHeaderSize)];
        "\u007fELF"u8.CopyTo(image);
        image[4] = 2;
        image[5] = 1;
        image[6] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x20), headerSize);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x28), (ulong)sectionsOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x36), programHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x38), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3A), sectionHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3C), (ushort)nameOffsets.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3E), (ushort)(nameOffsets.Count - 1));

        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(headerSize), 6);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(headerSize + programHeaderSize), 1);
        names.ToArray().CopyTo(image, namesOffset);
        for (var i = 0; i < nameOffsets.Count; i++)
        {
            var section = image.AsSpan(sectionsOffset + (i * sectionHeaderSize));
            BinaryPrimitives.WriteUInt32LittleEndian(section, (uint)nameOffsets[i]);
            var isNames = i == nameOffsets.Count - 1;
            BinaryPrimitives.WriteUInt64LittleEndian(section[0x10..], !isNames && sectionNames[i] == "__modules" ? ModulesAddress : 0x1000UL * (ulong)(i + 1));
            BinaryPrimitives.WriteUInt64LittleEndian(section[0x18..], isNames ? (ulong)namesOffset : 0);
            BinaryPrimitives.WriteUInt64LittleEndian(section[0x20..], isNames ? (ulong)names.Length : 0);
        }

        return image;
    }

    private static byte[] With(byte[] image, int at, byte value)
    {
        var copy = image.ToArray();
        copy[at] = value;
        return copy;
    }

    private static byte[] With16(byte[] image, int at, ushort value)
    {
        var copy = image.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] With64(byte[] image, int at, ulong value)
    {
        var copy = image.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(at), value);
        return copy;
    }
}
