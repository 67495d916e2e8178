import Testing

@testable import SoudanProtocol

@Suite struct FrameDecoderTests {
    func frames(_ bodies: [[UInt8]]) -> [UInt8] { bodies.flatMap { FrameEncoder.frame($0) } }

    @Test func decodesFramesFedOneByteAtATime() throws {
        let bodies: [[UInt8]] = [Array("{\"a\":1}".utf8), Array(repeating: 0x41, count: 300), [0x7B, 0x7D]]
        var decoder = FrameDecoder(maxFrame: 1024)
        var out: [[UInt8]] = []
        for byte in frames(bodies) {
            decoder.append([byte])
            while let frame = try decoder.next() { out.append(frame) }
        }
        #expect(out == bodies)
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.state == .waitingForHeader)
    }

    @Test func decodesManyFramesFromOneRead() throws {
        let bodies = (0..<1000).map { Array("{\"id\":\($0)}".utf8) }
        var decoder = FrameDecoder(maxFrame: 1024)
        decoder.append(frames(bodies))
        var out: [[UInt8]] = []
        while let frame = try decoder.next() { out.append(frame) }
        #expect(out == bodies)
    }

    @Test func waitsForTheRestOfASplitHeaderAndBody() throws {
        var decoder = FrameDecoder(maxFrame: 1024)
        let bytes = FrameEncoder.frame(Array("hello".utf8))
        decoder.append(bytes[0..<2])
        #expect(try decoder.next() == nil)
        #expect(decoder.isInsideFrame)
        decoder.append(bytes[2..<6])
        #expect(try decoder.next() == nil)
        #expect(decoder.state == .waitingForBody(length: 5))
        decoder.append(bytes[6...])
        #expect(try decoder.next() == Array("hello".utf8))
        #expect(!decoder.isInsideFrame)
    }

    @Test func refusesAZeroLength() {
        var decoder = FrameDecoder(maxFrame: 1024)
        decoder.append([0, 0, 0, 0])
        #expect(throws: FrameError.empty) { try decoder.next() }
    }

    @Test(arguments: [UInt32(1025), UInt32(1 << 20), UInt32.max])
    func refusesAnOversizedLengthBeforeItsBodyArrives(length: UInt32) {
        var decoder = FrameDecoder(maxFrame: 1024)
        decoder.append([UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
        #expect(throws: FrameError.tooLarge(length: length, limit: 1024)) { try decoder.next() }
    }

    @Test func acceptsAFrameOfExactlyMaxFrame() throws {
        var decoder = FrameDecoder(maxFrame: 64)
        decoder.append(FrameEncoder.frame(Array(repeating: 1, count: 64)))
        #expect(try decoder.next()?.count == 64)
    }

    @Test func framingErrorsMapToTheirWireCodes() {
        #expect(FrameError.empty.wireError.code == .badFrame)
        #expect(FrameError.tooLarge(length: 9, limit: 8).wireError.code == .frameTooLarge)
    }
}
