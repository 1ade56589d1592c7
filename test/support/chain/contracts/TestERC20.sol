// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// Its Transfer shares ERC-721's topic0 but has 3 topics: a mint that is not an NFT.
contract TestERC20 is ERC20 {
    constructor() ERC20("Test20", "T20") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
