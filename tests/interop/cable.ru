# A real ActionCable server (Debian ruby-actioncable + puma), standalone, for
# tests/integration/gitlab-cable-interop.sh:  puma -b tcp://127.0.0.1:PORT cable.ru
# Same wire as GitLab's /-/cable: GraphqlChannel transmits {result:{data},more}.
require "logger"
require "action_cable"
require_relative "cable_channels"

ActionCable.server.config.cable = { "adapter" => "async" }
ActionCable.server.config.logger = Logger.new($stderr, level: Logger::WARN)
ActionCable.server.config.disable_request_forgery_protection = true
ActionCable.server.config.connection_class = -> { ApplicationCable::Connection }
map("/-/cable") { run ActionCable.server }
