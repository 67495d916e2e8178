import SoudanDomain
import SoudanProtocol
import Testing

@testable import SoudanService

@Suite struct SlotsEncodingTests {
    /// The one-pass writer says, byte for byte, what writing the slots as objects said.
    @Test func writesWhatTheObjectsWouldHaveWritten() throws {
        let start = try #require(WireTime.parseInstant("2026-12-01T10:00:00+09:00"))
        let slots = [
            SlotAvailability.Slot(start: start, free: 3, bookable: true),
            SlotAvailability.Slot(start: start.adding(minutes: 30), free: 0, bookable: false),
            SlotAvailability.Slot(start: start.adding(minutes: 60), free: 12, bookable: false),
        ]
        let objects: JSONValue = .array(
            slots.map { slot in
                [
                    "start": .string(WireTime.format(slot.start)), "end": .string(WireTime.format(slot.start.adding(minutes: 30))),
                    "free": JSONValue(slot.free), "bookable": .bool(slot.bookable),
                ]
            })
        let encoded = AvailabilityOperations.encode(slots)
        #expect(encoded.bytes == JSONWriter.bytes(objects))
        #expect(try JSONParser.parse(encoded.bytes) == objects)
        #expect(AvailabilityOperations.encode([]).bytes == Array("[]".utf8))
        #expect(JSONWriter.bytes(["slots": .encoded(encoded)]) == JSONWriter.bytes(["slots": objects]))
    }
}
