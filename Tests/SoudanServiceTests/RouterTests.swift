import SoudanDomain
import SoudanProtocol
import Testing

@testable import SoudanService

/// Stage 2 of the request path, alone: every refusal decided before any work.
@Suite struct RouterTests {
    let router = Router(Operations.all(ServiceEnvironment(clock: .manual(startingAt: Instant(seconds: 1_796_086_800)), stats: Stats())))

    func request(_ op: String, _ args: JSONObject = [:]) -> Request {
        Request(id: .int(1), op: op, args: args, idempotencyKey: nil)
    }

    func code(_ result: Result<Operation, WireError>) -> ErrorCode? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    @Test func anUnknownOpIsRefusedWithItsNameClipped() {
        let long = String(repeating: "x", count: 500)
        guard case .failure(let error) = router.route(request(long), socket: .service) else {
            Issue.record("routed an unknown op")
            return
        }
        #expect(error.code == .unknownOp)
        #expect(error.details["op"]?.stringValue?.utf8.count == Router.loggedOpBytes)
        #expect(router.countedName(long) == Router.unknownOpName)
    }

    @Test func anAdminOpOnTheServiceSocketIsForbidden() {
        #expect(code(router.route(request("clock.advance", ["minutes": 1]), socket: .service)) == .forbidden)
        #expect(code(router.route(request("clock.advance", ["minutes": 1]), socket: .admin)) == nil)
    }

    @Test func argumentsTheSchemaRefusesAreInvalid() {
        #expect(code(router.route(request("seeker.get", ["seeker_no": "1"]), socket: .service)) == .invalidArgs)
        #expect(code(router.route(request("seeker.get", ["seeker_no": "13010-12345678", "extra": 1]), socket: .service)) == .invalidArgs)
        #expect(code(router.route(request("seeker.get", ["seeker_no": "13010-12345678"]), socket: .service)) == nil)
    }

    @Test func everyOperationIsRoutedUnderItsOwnName() throws {
        for (name, operation) in router.operations {
            #expect(operation.name == name)
        }
        #expect(
            router.operations.count
                == Operations.all(ServiceEnvironment(clock: .manual(startingAt: Instant(seconds: 0)), stats: Stats())).count)
    }
}
